import type { ErrorReply, WireErrorCode } from '@br-sdk/schedule/contract';

/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every error a client gets over
 * HTTP carries a stable `code`: the contract's codes (the same as AMQP and WebSocket replies) for
 * what the RequestHandler rejects, plus the HTTP-level codes below for what never reaches it.
 */

/** Codes of failures that happen before a request becomes a message (routing, framing, readiness). */
export const HTTP_PROBLEM_CODES = [
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'UPGRADE_REQUIRED',
  'NOT_READY',
] as const;
export type HttpProblemCode = (typeof HTTP_PROBLEM_CODES)[number];

/** Every code a problem may carry. */
export type ProblemCode = WireErrorCode | HttpProblemCode;

/** One bad field: its path in the request message (`schedule[0].minute`, `uri`, `limit`) and why. */
export interface ProblemIssue {
  readonly path: string;
  readonly message: string;
}

/** An RFC 9457 problem details object, with the scheduler's `code` and `issues` as extension members. */
export interface Problem {
  /** RATE_LIMITED: ms until the request would be taken (the Retry-After header says it in seconds). */
  readonly retry_after_ms?: number;
  /** `https://br-sdk.dev/problems/<code in lower case, dashed>`: stable, one per code. */
  readonly type: string;
  readonly title: string;
  /** The HTTP status, repeated in the body as RFC 9457 asks. */
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  /** Empty when no single field is at fault. */
  readonly issues: readonly ProblemIssue[];
  /** The request path the problem occurred on. */
  readonly instance?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The status and title of each code. Validation answers 400 (not 422) whatever found the fault,
 * so a client needs one branch for "fix the request"; 422 is kept for a schedule that is valid
 * but whose fires the calendar search cannot find.
 */
const PROBLEMS: Readonly<Record<ProblemCode, { readonly status: number; readonly title: string }>> = {
  INVALID_ARGUMENT: { status: 400, title: 'Invalid request' },
  SCHEDULE_INVALID: { status: 400, title: 'Invalid schedule' },
  MALFORMED_MESSAGE: { status: 400, title: 'Malformed request' },
  UNKNOWN_OPERATION: { status: 400, title: 'Unknown operation' },
  SCHEDULE_SEARCH_LIMIT: { status: 422, title: 'Schedule search limit reached' },
  TASK_NOT_FOUND: { status: 404, title: 'Task not found' },
  TASK_CONFLICT: { status: 409, title: 'Task conflict' },
  TASK_NOT_ACTIVE: { status: 409, title: 'Task not active' },
  SCHEDULER_NOT_RUNNING: { status: 503, title: 'Scheduler not running' },
  STORE_FAILURE: { status: 503, title: 'Store failure' },
  STORE_LOCKED: { status: 503, title: 'Store locked' },
  STORE_SCHEMA_UNSUPPORTED: { status: 503, title: 'Store schema unsupported' },
  UNAUTHENTICATED: { status: 401, title: 'Not authenticated' },
  SIGNATURE_INVALID: { status: 401, title: 'Invalid signature' },
  REQUEST_EXPIRED: { status: 401, title: 'Request expired' },
  REQUEST_REPLAYED: { status: 401, title: 'Request replayed' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  TARGET_FORBIDDEN: { status: 403, title: 'Target forbidden' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  MESSAGE_TOO_LARGE: { status: 413, title: 'Message too large' },
  INTERNAL: { status: 500, title: 'Internal error' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Route not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  UPGRADE_REQUIRED: { status: 426, title: 'Upgrade required' },
  NOT_READY: { status: 503, title: 'Not ready' },
};

/** The HTTP status a code is answered with. */
export function statusOf(code: ProblemCode): number {
  return PROBLEMS[code].status;
}

/** The problem `type` URI of a code: `TASK_NOT_FOUND` → `https://br-sdk.dev/problems/task-not-found`. */
export function problemType(code: ProblemCode): string {
  return `https://br-sdk.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** A problem with a code's status, type and title. */
export function problem(
  code: ProblemCode,
  detail: string,
  issues: readonly ProblemIssue[] = [],
  instance?: string,
): Problem {
  const { status, title } = PROBLEMS[code];
  return {
    type: problemType(code),
    title,
    status,
    detail,
    code,
    issues,
    ...(instance === undefined ? {} : { instance }),
  };
}

/**
 * An error reply of the RequestHandler as a problem. An INTERNAL reply's message may quote an
 * unexpected error (a driver's text, say): clients get a generic detail, the log gets the message.
 */
export function replyProblem(reply: ErrorReply, instance?: string): Problem {
  const { code, message, issues, retry_after_ms: retryAfterMs } = reply.error;
  const detail = code === 'INTERNAL' ? 'internal error; see the server log' : message;
  const answer = problem(code, detail, issues, instance);
  return retryAfterMs === undefined ? answer : { ...answer, retry_after_ms: retryAfterMs };
}

/**
 * An error raised while Fastify read a request (its body, its URL) or by a handler, as a problem.
 * Unexpected errors become INTERNAL with a generic detail: no message or stack reaches clients.
 */
export function errorProblem(raised: unknown, bodyLimit: number, instance?: string): Problem {
  const error: { code?: unknown; statusCode?: unknown; message?: unknown } =
    typeof raised === 'object' && raised !== null ? raised : {};
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('MESSAGE_TOO_LARGE', `the body is larger than ${bodyLimit} bytes`, [], instance);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('UNSUPPORTED_MEDIA_TYPE', 'expected Content-Type: application/json', [], instance);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(
        'MALFORMED_MESSAGE',
        'the body is not valid JSON',
        [{ path: '', message: 'invalid JSON' }],
        instance,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('MALFORMED_MESSAGE', 'the body does not match its Content-Length', [], instance);
    case 'FST_ERR_BAD_URL':
      return problem('MALFORMED_MESSAGE', 'the URL is not validly percent-encoded', [], instance);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('INVALID_ARGUMENT', 'invalid task id', [{ path: 'task_id', message: 'too long' }], instance);
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  // Any other client error Fastify raises is about how the request is framed.
  if (status >= 400 && status < 500) {
    const message = typeof error.message === 'string' ? error.message : 'bad request';
    return { ...problem('MALFORMED_MESSAGE', message, [], instance), status };
  }
  return problem('INTERNAL', 'internal error; see the server log', [], instance);
}

/**
 * A request Node's HTTP parser refused before Fastify saw it (a bad request line or header, bytes
 * outside ASCII in the target, conflicting framing, a timeout), as a problem: MALFORMED_MESSAGE
 * with the status Node would give (400, 408), or MESSAGE_TOO_LARGE (431) for oversized headers.
 */
export function parserErrorProblem(raised: unknown): Problem {
  const code = typeof raised === 'object' && raised !== null ? (raised as { code?: unknown }).code : undefined;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { ...problem('MALFORMED_MESSAGE', 'the request did not arrive in time'), status: 408 };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { ...problem('MESSAGE_TOO_LARGE', 'the request headers are too large'), status: 431 };
  return problem('MALFORMED_MESSAGE', 'the request is not valid HTTP/1.1', [
    { path: '', message: 'unparsable request' },
  ]);
}
