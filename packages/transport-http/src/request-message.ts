import type { ErrorBody } from '@br-sdk/schedule/contract';
import type { ProblemIssue } from './problem.ts';
import type { QueryName, RestRoute } from './routes.ts';

/** The parts of an HTTP request a contract message is made from. */
export interface HttpRequestParts {
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  readonly idempotencyKey: string | readonly string[] | undefined;
}

/** A request message for the RequestHandler, or why none could be made. */
export type BuiltMessage =
  | { readonly message: Record<string, unknown>; readonly idempotencyKey?: string }
  | { readonly error: ErrorBody };

/** Body fields the route sets itself: the operation, and the task id of `/v1/tasks/{id}` routes. */
const ROUTE_FIELDS = ['op', 'request_id'] as const;

/** Printable ASCII, 1-255 characters: what an Idempotency-Key can hold and a derived id stays stable for. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, issues: readonly ProblemIssue[]): { error: ErrorBody } {
  return { error: { code: 'INVALID_ARGUMENT', message, issues: [...issues] } };
}

/**
 * A query parameter as the contract's field. `status` may repeat or be a comma list; `limit` is a
 * number when it reads as one. Anything else is passed on as is, so the contract's schema reports
 * it with the field's name (`limit: expected number`), exactly as AMQP and WebSocket would.
 */
function queryValue(name: QueryName, raw: unknown): unknown {
  if (name === 'status') {
    const values = Array.isArray(raw) ? raw : [raw];
    return values.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [v]));
  }
  if (name === 'limit' && typeof raw === 'string' && /^\d{1,9}$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * The contract message an HTTP request stands for: the route's `op`, the path's task id, the
 * query's fields and the body's. Unknown query parameters and fields the route sets are refused
 * here (INVALID_ARGUMENT); everything else is left to the RequestHandler, so REST validates and
 * answers exactly as the other channels do.
 */
export function buildMessage(route: RestRoute, parts: HttpRequestParts): BuiltMessage {
  const issues: ProblemIssue[] = [];
  const fields: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(parts.query)) {
    if ((route.query as readonly string[]).includes(name)) fields[name] = queryValue(name as QueryName, raw);
    else {
      const accepted = route.query.length === 0 ? 'this route takes none' : `expected ${route.query.join(', ')}`;
      issues.push({ path: name, message: `unknown query parameter; ${accepted}` });
    }
  }
  if (route.body === null) {
    if (parts.body !== undefined && !(isObject(parts.body) && Object.keys(parts.body).length === 0)) {
      issues.push({ path: '', message: 'this route takes no body' });
    }
  } else {
    if (!isObject(parts.body)) {
      return { error: { code: 'MALFORMED_MESSAGE', message: 'the body must be a JSON object', issues: [] } };
    }
    const reserved = route.path.includes(':id') ? [...ROUTE_FIELDS, 'task_id'] : ROUTE_FIELDS;
    for (const name of reserved) {
      if (Object.hasOwn(parts.body, name)) issues.push({ path: name, message: 'set by the route; leave it out' });
    }
    Object.assign(fields, parts.body);
  }
  let idempotencyKey: string | undefined;
  if (route.op === 'create' && parts.idempotencyKey !== undefined) {
    const key = parts.idempotencyKey;
    if (typeof key === 'string' && IDEMPOTENCY_KEY.test(key)) idempotencyKey = key;
    else issues.push({ path: 'Idempotency-Key', message: 'expected one header of 1-255 printable ASCII characters' });
  }
  if (issues.length > 0) return invalid('invalid request', issues);
  const id = parts.params['id'];
  const message = { ...fields, op: route.op, ...(id === undefined ? {} : { task_id: id }) };
  return idempotencyKey === undefined ? { message } : { message, idempotencyKey };
}
