import { z } from 'zod';
import {
  headersField,
  httpCallFields,
  methodField,
  nonceField,
  pageFields,
  parametersField,
  policiesField,
  requesterIdField,
  requestIdField,
  scheduleField,
  signatureField,
  statusFilterField,
  taskIdField,
  timeoutField,
  timestampField,
  uriField,
} from './fields.ts';

/**
 * Requests to the scheduler, one schema per operation (`op`). A message without `op` creates a
 * task: that is the contract's original message. AMQP, WebSocket and the REST routes all read
 * these schemas; the OpenAPI and AsyncAPI documents and the test vectors are generated from them.
 */

/** Every request may carry these; with authentication on (the default), the last three are required. */
const common = {
  request_id: requestIdField.optional(),
  timestamp: timestampField.optional(),
  nonce: nonceField.optional(),
  requester_signature: signatureField.optional(),
};

export const createTaskRequestSchema = z
  .strictObject({
    op: z.literal('create').optional().meta({ description: 'Absent means create.' }),
    ...common,
    task_id: taskIdField.optional(),
    requester_id: requesterIdField,
    schedule: scheduleField,
    ...httpCallFields,
    policies: policiesField.optional(),
  })
  .meta({ id: 'CreateTaskRequest', description: 'Schedules a call of `uri`. Idempotent with `task_id`.' });

export const updateTaskRequestSchema = z
  .strictObject({
    op: z.literal('update'),
    ...common,
    task_id: taskIdField,
    requester_id: requesterIdField.optional(),
    schedule: scheduleField.optional(),
    uri: uriField.optional(),
    method: methodField.optional(),
    parameters: parametersField.optional(),
    headers: headersField.optional(),
    timeout_ms: timeoutField.optional(),
    policies: policiesField.optional(),
  })
  .meta({
    id: 'UpdateTaskRequest',
    description: 'Changes what is given; a new schedule is planned from now at once. Policies merge.',
  });

const taskOperation = (op: 'get' | 'cancel' | 'pause' | 'resume' | 'trigger', id: string, description: string) =>
  z
    .strictObject({
      op: z.literal(op),
      ...common,
      task_id: taskIdField,
      requester_id: requesterIdField.optional().meta({ description: 'When given, the task must be this requester’s.' }),
    })
    .meta({ id, description });

export const getTaskRequestSchema = taskOperation('get', 'GetTaskRequest', 'The task, its next fires and last run.');
export const cancelTaskRequestSchema = taskOperation('cancel', 'CancelTaskRequest', 'Stops the task for good.');
export const pauseTaskRequestSchema = taskOperation('pause', 'PauseTaskRequest', 'Keeps the task without firing.');
export const resumeTaskRequestSchema = taskOperation('resume', 'ResumeTaskRequest', 'Fires the task again from now.');
export const triggerTaskRequestSchema = taskOperation('trigger', 'TriggerTaskRequest', 'Runs the task once, now.');

export const listTasksRequestSchema = z
  .strictObject({
    op: z.literal('list'),
    ...common,
    requester_id: requesterIdField.optional(),
    status: statusFilterField.optional(),
    ...pageFields,
  })
  .meta({ id: 'ListTasksRequest', description: 'Tasks by requester and status, a page at a time.' });

export const listRunsRequestSchema = z
  .strictObject({
    op: z.literal('runs'),
    ...common,
    task_id: taskIdField,
    requester_id: requesterIdField.optional(),
    ...pageFields,
  })
  .meta({ id: 'ListRunsRequest', description: "A task's finished runs, newest first." });

export const previewRequestSchema = z
  .strictObject({
    op: z.literal('preview'),
    ...common,
    requester_id: requesterIdField.optional().meta({ description: 'Who asks: the signer, when requests are signed.' }),
    schedule: scheduleField,
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Fires strictly after this. Default: now.' }),
    count: z.number().int().min(1).max(1000).optional().meta({ description: 'Default 10.' }),
  })
  .meta({ id: 'PreviewRequest', description: "A schedule's next fires, without creating a task." });

/** Each operation's schema, by `op`. */
export const requestSchemas = {
  create: createTaskRequestSchema,
  update: updateTaskRequestSchema,
  get: getTaskRequestSchema,
  cancel: cancelTaskRequestSchema,
  pause: pauseTaskRequestSchema,
  resume: resumeTaskRequestSchema,
  trigger: triggerTaskRequestSchema,
  list: listTasksRequestSchema,
  runs: listRunsRequestSchema,
  preview: previewRequestSchema,
} as const;

export type Operation = keyof typeof requestSchemas;
export const OPERATIONS = Object.keys(requestSchemas) as Operation[];

/** Any request, for documents: which schema applies is decided by `op` (see readOperation). */
export const requestMessageSchema = z
  .union([
    createTaskRequestSchema,
    updateTaskRequestSchema,
    getTaskRequestSchema,
    cancelTaskRequestSchema,
    pauseTaskRequestSchema,
    resumeTaskRequestSchema,
    triggerTaskRequestSchema,
    listTasksRequestSchema,
    listRunsRequestSchema,
    previewRequestSchema,
  ])
  .meta({ id: 'RequestMessage', description: 'A request to the scheduler; `op` selects the operation.' });

export type CreateTaskRequest = z.input<typeof createTaskRequestSchema>;
export type UpdateTaskRequest = z.input<typeof updateTaskRequestSchema>;
export type ListTasksRequest = z.input<typeof listTasksRequestSchema>;
export type ListRunsRequest = z.input<typeof listRunsRequestSchema>;
export type PreviewRequest = z.input<typeof previewRequestSchema>;
export type TaskOperationRequest = z.input<typeof getTaskRequestSchema>;
export type RequestMessage = { [Op in Operation]: z.input<(typeof requestSchemas)[Op]> }[Operation];
