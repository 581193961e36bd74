import type { Operation, SuccessReply } from '@br-sdk/schedule/contract';

/**
 * The REST routes as data: each maps to one contract operation. The Fastify routes and the
 * OpenAPI document are both made from this table, so they cannot drift apart.
 */

export type RestMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Query parameters a route may take; each becomes the request message's field of the same name. */
export type QueryName = 'requester_id' | 'status' | 'limit' | 'cursor';

/** What a success answers with (an OpenAPI component name). */
export type ResponseShape = 'Task' | 'TaskPage' | 'RunPage' | 'TriggerResult' | 'PreviewResult';

/** The body a route takes (an OpenAPI component name), derived from the contract's request schema. */
export type BodyShape = 'CreateTaskBody' | 'UpdateTaskBody' | 'PreviewBody';

export interface RestRoute {
  readonly method: RestMethod;
  /** Fastify's pattern; `:id` is the task id (the message's `task_id`). */
  readonly path: string;
  readonly op: Operation;
  readonly operationId: string;
  readonly summary: string;
  /** The status of a success. */
  readonly status: 200 | 201 | 202;
  readonly body: BodyShape | null;
  readonly query: readonly QueryName[];
  readonly response: ResponseShape;
  /** Statuses of failures besides 400, 500 and 503, which every route may answer. */
  readonly errors: readonly number[];
}

const TASK = '/v1/tasks/:id';

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/v1/tasks',
    op: 'create',
    operationId: 'createTask',
    summary: 'Create a task. With an Idempotency-Key header, a retry returns the same task.',
    status: 201,
    body: 'CreateTaskBody',
    query: [],
    response: 'Task',
    errors: [409, 413, 415, 422],
  },
  {
    method: 'GET',
    path: '/v1/tasks',
    op: 'list',
    operationId: 'listTasks',
    summary: 'List tasks by requester and status, a page at a time.',
    status: 200,
    body: null,
    query: ['requester_id', 'status', 'limit', 'cursor'],
    response: 'TaskPage',
    errors: [],
  },
  {
    method: 'GET',
    path: TASK,
    op: 'get',
    operationId: 'getTask',
    summary: 'A task: its state, next fires and last run.',
    status: 200,
    body: null,
    query: ['requester_id'],
    response: 'Task',
    errors: [404],
  },
  {
    method: 'PATCH',
    path: TASK,
    op: 'update',
    operationId: 'updateTask',
    summary: 'Change a task; a new schedule is planned from now at once.',
    status: 200,
    body: 'UpdateTaskBody',
    query: [],
    response: 'Task',
    errors: [404, 409, 413, 415, 422],
  },
  {
    method: 'DELETE',
    path: TASK,
    op: 'cancel',
    operationId: 'cancelTask',
    summary: 'Cancel a task for good (its record stays); answers the cancelled task.',
    status: 200,
    body: null,
    query: ['requester_id'],
    response: 'Task',
    errors: [404, 409],
  },
  {
    method: 'POST',
    path: `${TASK}/pause`,
    op: 'pause',
    operationId: 'pauseTask',
    summary: 'Keep a task without firing it.',
    status: 200,
    body: null,
    query: ['requester_id'],
    response: 'Task',
    errors: [404, 409, 413, 415],
  },
  {
    method: 'POST',
    path: `${TASK}/resume`,
    op: 'resume',
    operationId: 'resumeTask',
    summary: 'Fire a paused task again from now on.',
    status: 200,
    body: null,
    query: ['requester_id'],
    response: 'Task',
    errors: [404, 409, 413, 415],
  },
  {
    method: 'POST',
    path: `${TASK}/trigger`,
    op: 'trigger',
    operationId: 'triggerTask',
    summary: 'Run a task once, now, outside its schedule; its result arrives like any other.',
    status: 202,
    body: null,
    query: ['requester_id'],
    response: 'TriggerResult',
    errors: [404, 409, 413, 415],
  },
  {
    method: 'GET',
    path: `${TASK}/runs`,
    op: 'runs',
    operationId: 'listRuns',
    summary: "A task's finished runs, newest first, a page at a time.",
    status: 200,
    body: null,
    query: ['requester_id', 'limit', 'cursor'],
    response: 'RunPage',
    errors: [404],
  },
  {
    method: 'POST',
    path: '/v1/schedules/preview',
    op: 'preview',
    operationId: 'previewSchedule',
    summary: "A schedule's next fires, without creating a task.",
    status: 200,
    body: 'PreviewBody',
    query: [],
    response: 'PreviewResult',
    errors: [413, 415, 422],
  },
];

/** The success body of a route, cut from the handler's reply. */
export function successBody(route: RestRoute, reply: SuccessReply): unknown {
  switch (route.response) {
    case 'Task':
      return reply.task;
    case 'TaskPage':
      return { tasks: reply.tasks ?? [], next_cursor: reply.next_cursor ?? null };
    case 'RunPage':
      return { runs: reply.runs ?? [], next_cursor: reply.next_cursor ?? null };
    case 'TriggerResult':
      return { run_id: reply.run_id, task: reply.task };
    case 'PreviewResult':
      return { fires: reply.fires ?? [] };
  }
}

/** `/v1/tasks/:id` → `/v1/tasks/{id}` (OpenAPI's template syntax). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}
