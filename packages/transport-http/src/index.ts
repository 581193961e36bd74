/**
 * The public surface of @br-sdk/schedule-http. Everything not listed here is internal.
 */
export {
  type HttpOptionIssue,
  HttpOptionsError,
  HttpTransportError,
  type HttpTransportErrorCode,
  ResultChannelClosedError,
} from './errors.ts';
export { type HttpAddress, HttpTransport } from './http-transport.ts';
export { buildOpenApiDocument, type JsonSchema, type OpenApiDocument } from './openapi.ts';
export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_PORT,
  type HttpServerOptions,
  type ReadinessCheck,
  type ResolvedHttpServerOptions,
  resolveHttpServerOptions,
} from './options.ts';
export {
  HTTP_PROBLEM_CODES,
  type HttpProblemCode,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  type ProblemCode,
  type ProblemIssue,
  problemType,
  statusOf,
} from './problem.ts';
export { WS_PATH } from './server.ts';
export { VERSION } from './version.ts';
export type {
  AckFrame,
  ClientFrame,
  ErrorFrame,
  ReplyFrame,
  RequestFrame,
  ResultFrame,
  ServerFrame,
  SubscribedFrame,
  SubscribeFrame,
  UnsubscribeFrame,
} from './ws-frames.ts';
export { type ResultMessageBuilder, type ResultSink, WebSocketResultChannel } from './ws-result-channel.ts';
