/**
 * `@br-sdk/schedule/contract`: the wire messages every channel speaks (AMQP, REST, WebSocket),
 * their schemas, and the handler that carries a request out against a Scheduler.
 */

export { HTTP_METHODS, MAX_PARAMETERS_BYTES } from './fields.ts';
export { wireJsonSchemas } from './json-schemas.ts';
export {
  type ErrorBody,
  type ErrorReply,
  errorBodySchema,
  errorReplySchema,
  type Reply,
  replySchema,
  type SuccessReply,
  successReplySchema,
  WIRE_ERROR_CODES,
  type WireErrorCode,
} from './reply.ts';
export {
  type CreateTaskRequest,
  createTaskRequestSchema,
  type ListRunsRequest,
  type ListTasksRequest,
  listRunsRequestSchema,
  listTasksRequestSchema,
  OPERATIONS,
  type Operation,
  type PreviewRequest,
  previewRequestSchema,
  type RequestMessage,
  requestMessageSchema,
  requestSchemas,
  type TaskOperationRequest,
  type UpdateTaskRequest,
  updateTaskRequestSchema,
} from './request.ts';
export {
  type Admission,
  derivedTaskId,
  errorReply,
  MAX_JSON_DEPTH,
  type ParsedRequest,
  type RequestContext,
  RequestHandler,
  type RequestHandlerOptions,
  readRequest,
  toTaskView,
} from './request-handler.ts';
export { resultMessageOf, toResultMessage } from './result-message.ts';
export {
  type ResultMessage,
  resultMessageSchema,
  runResultSchema,
  type TaskView,
  taskViewSchema,
} from './views.ts';
