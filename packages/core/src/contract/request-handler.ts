import { hash } from 'node:crypto';
import { z } from 'zod';
import { isSchedulerError, TaskNotFoundError, type ValidationIssue } from '../errors.ts';
import { formatInstant } from '../schedule/instant.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { TaskInput, TaskPatch, TaskRecord, TaskTarget } from '../scheduler/task.ts';
import { compileRequestSchedule } from '../scheduler/task-intake.ts';
import type { Principal, RequestAuthenticator, SignedRequest } from '../security/authenticator.ts';
import { ForbiddenError, RateLimitedError } from '../security/errors.ts';
import type { RateLimiter } from '../security/rate-limiter.ts';
import { toValidationIssues } from '../validation.ts';
import type { ErrorReply, Reply, SuccessReply, WireErrorCode } from './reply.ts';
import {
  createTaskRequestSchema,
  OPERATIONS,
  type Operation,
  previewRequestSchema,
  requestSchemas,
  updateTaskRequestSchema,
} from './request.ts';
import type { TaskView } from './views.ts';

/** Where a request came from, and what tasks created through it default to. */
export interface RequestContext {
  /** Result channels for tasks created by this request (the channel it came through, say). Default: every channel. */
  readonly deliverTo?: readonly string[];
  /**
   * A key the transport holds for this message (an AMQP message id, an HTTP Idempotency-Key).
   * A create without `task_id` gets an id derived from it and the requester, so a redelivered or
   * retried message finds its task instead of making a second one.
   */
  readonly idempotencyKey?: string;
  /** Who sent it, when the channel checked that itself (REST checks its headers); else the message's signature is checked. */
  readonly principal?: Principal;
  /** The peer's address, for the per-source rate limit (HTTP and WebSocket; AMQP has none: the broker is the peer). */
  readonly source?: string;
}

export interface RequestHandlerOptions {
  /**
   * Told of every error that is not the request's fault (a bug, a failing dependency): the reply
   * says only `INTERNAL`, so the details go here, to a log.
   */
  readonly onInternalError?: (error: unknown) => void;
  /**
   * Checks every request's signature, timestamp and nonce, and limits each requester to its own
   * tasks (an admin to all). Undefined: requests are taken as they come, and a `requester_id` in a
   * request is only a filter (a set-up for loopback and tests; the sidecar refuses it elsewhere).
   */
  readonly authenticator?: RequestAuthenticator;
  /** Rate limits per requester and per source address. Undefined: none. */
  readonly rateLimiter?: RateLimiter;
}

/** The deepest nesting a request may have: deeper JSON is an attack on recursive readers, not a task. */
export const MAX_JSON_DEPTH = 64;

/** A request let in (with who sent it, when authentication is on), or the reply refusing it. */
export type Admission = { readonly principal: Principal | undefined } | { readonly error: ErrorReply };

/** Fires a task view shows. */
const NEXT_FIRES = 5;

/**
 * Carries out a request message against a Scheduler and answers with a reply message. Every
 * channel (AMQP, WebSocket, REST) goes through here, so they validate and answer alike. Never
 * throws: every failure becomes an error reply with a stable code.
 */
export class RequestHandler {
  private readonly scheduler: Scheduler;
  private readonly onInternalError: (error: unknown) => void;
  private readonly authenticator: RequestAuthenticator | undefined;
  private readonly rateLimiter: RateLimiter | undefined;

  constructor(scheduler: Scheduler, options: RequestHandlerOptions = {}) {
    this.scheduler = scheduler;
    this.onInternalError = options.onInternalError ?? (() => {});
    this.authenticator = options.authenticator;
    this.rateLimiter = options.rateLimiter;
  }

  /** Whether requests must be signed. */
  get authenticating(): boolean {
    return this.authenticator !== undefined;
  }

  async handle(message: unknown, context: RequestContext = {}): Promise<Reply> {
    const admitted = this.admit(message, context);
    if ('error' in admitted) return admitted.error;
    const read = readRequest(message);
    if ('error' in read) return read.error;
    const requestId = read.request.request_id;
    try {
      const reply = await this.execute(read, context, admitted.principal);
      return { ok: true, op: read.op, ...(requestId === undefined ? {} : { request_id: requestId }), ...reply };
    } catch (error) {
      if (!isSchedulerError(error)) this.onInternalError(error);
      return errorReply(error, read.op, requestId);
    }
  }

  /**
   * The checks before a request is read: its shape is sane, its source and requester are within
   * their rates, and its signature is good. The source is limited before the signature is checked,
   * so a flood costs no verification.
   */
  admit(message: unknown, context: RequestContext = {}): Admission {
    if (!isJsonObject(message)) return { error: notAnObject() };
    const body = message;
    const requestId = requestIdOf(body);
    const op = typeof body['op'] === 'string' && Object.hasOwn(requestSchemas, body['op']) ? body['op'] : undefined;
    if (depthExceeds(body, MAX_JSON_DEPTH)) {
      const issue = { path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      return { error: failure('MALFORMED_MESSAGE', 'the request is nested too deeply', [issue], op, requestId) };
    }
    try {
      this.rateLimiter?.admitSource(context.source);
      const principal = context.principal ?? this.authenticator?.authenticateMessage(body);
      const requester = principal?.requesterId ?? body['requester_id'];
      this.rateLimiter?.admitRequester(typeof requester === 'string' ? requester : undefined);
      return { principal };
    } catch (error) {
      if (!isSchedulerError(error)) this.onInternalError(error);
      return { error: errorReply(error, op, requestId) };
    }
  }

  /**
   * For a channel whose requests are signed outside a JSON message (REST signs the HTTP request):
   * the source's rate, then the signature. Pass the principal on to handle() in the context, without
   * the source (it was counted here). Undefined principal when authentication is off.
   */
  admitSigned(signed: SignedRequest, source: string | undefined): Admission {
    try {
      this.rateLimiter?.admitSource(source);
      return { principal: this.authenticator?.authenticate(signed) };
    } catch (error) {
      if (!isSchedulerError(error)) this.onInternalError(error);
      return { error: errorReply(error) };
    }
  }

  /** A task as every channel returns it: its record, with its next few fires. */
  async view(record: TaskRecord): Promise<TaskView> {
    const next = record.status === 'active' ? await this.scheduler.upcoming(record.id, NEXT_FIRES) : [];
    return toTaskView(record, next);
  }

  private async execute(
    read: ParsedRequest,
    context: RequestContext,
    principal: Principal | undefined,
  ): Promise<Omit<SuccessReply, 'ok' | 'op' | 'request_id'>> {
    const scheduler = this.scheduler;
    switch (read.op) {
      case 'create': {
        const { requester_id } = read.request;
        if (principal && !principal.admin && !sameRequester(requester_id, principal.requesterId)) {
          throw new ForbiddenError('a requester creates tasks only for itself', [
            { path: 'requester_id', message: 'must be the signing requester (or an admin must sign)' },
          ]);
        }
        return { task: await this.view(await scheduler.schedule(toTaskInput(read.request, context))) };
      }
      case 'update': {
        const { task_id, requester_id } = read.request;
        const current = await this.owned(task_id, ownerFilter(requester_id, principal));
        return { task: await this.view(await scheduler.update(task_id, toPatch(read.request, current))) };
      }
      case 'get':
        return {
          task: await this.view(
            await this.owned(read.request.task_id, ownerFilter(read.request.requester_id, principal)),
          ),
        };
      case 'cancel':
      case 'pause':
      case 'resume': {
        const { task_id, requester_id } = read.request;
        await this.owned(task_id, ownerFilter(requester_id, principal));
        return { task: await this.view(await scheduler[read.op](task_id)) };
      }
      case 'trigger': {
        const { task_id, requester_id } = read.request;
        await this.owned(task_id, ownerFilter(requester_id, principal));
        const { run_id } = await scheduler.trigger(task_id);
        return { run_id, task: await this.view(await scheduler.get(task_id)) };
      }
      case 'list': {
        const { requester_id, status, limit, cursor } = read.request;
        const owner = ownerFilter(requester_id, principal);
        // Another's tasks, asked for by name: nothing of theirs, and no hint whether there are any.
        if (owner === NOBODY) return { tasks: [], next_cursor: null };
        const page = await scheduler.list(definedOnly({ requester_id: owner?.toLowerCase(), status, limit, cursor }));
        return { tasks: await Promise.all(page.tasks.map((t) => this.view(t))), next_cursor: page.next_cursor };
      }
      case 'runs': {
        const { task_id, requester_id, limit, cursor } = read.request;
        await this.owned(task_id, ownerFilter(requester_id, principal));
        const page = await scheduler.runs(task_id, definedOnly({ limit, cursor }));
        return { runs: [...page.runs], next_cursor: page.next_cursor };
      }
      case 'preview': {
        const { from, count, schedule } = read.request;
        const after = from === undefined ? Date.now() : Date.parse(from);
        const compiled = compileRequestSchedule(schedule, after, scheduler.defaultTimezone);
        return { fires: compiled.preview(after, count ?? 10).map((d) => formatInstant(d.getTime())) };
      }
    }
  }

  /** The task, when it is `owner`'s (undefined: anyone's); another's is reported as not found, so ids tell nothing. */
  private async owned(taskId: string, owner: string | undefined): Promise<TaskRecord> {
    const record = await this.scheduler.get(taskId);
    if (owner !== undefined && !sameRequester(record.requester_id, owner)) throw new TaskNotFoundError(taskId);
    return record;
  }
}

/** Owns no task: a requester naming another, who must see nothing. */
const NOBODY = '';

function sameRequester(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Whose tasks a request may touch. Without authentication, the `requester_id` it names (if any).
 * A requester: its own, and nobody's when it names another. An admin: all, or the one it names
 * other than itself (in a signed message `requester_id` names the signer, so an admin's own id
 * there means no filter).
 */
function ownerFilter(named: string | undefined, principal: Principal | undefined): string | undefined {
  if (principal === undefined) return named;
  if (principal.admin) return named === undefined || sameRequester(named, principal.requesterId) ? undefined : named;
  return named === undefined || sameRequester(named, principal.requesterId) ? principal.requesterId : NOBODY;
}

/** Whether JSON nests deeper than `max`; iterative, so a hostile depth cannot overflow the stack here. */
function depthExceeds(value: object, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const member of Object.values(current)) {
      if (typeof member === 'object' && member !== null) stack.push([member, depth + 1]);
    }
  }
  return false;
}

/**
 * The schemas requests are checked with: the contract's, except that `schedule` is left to the
 * schedule compiler, whose messages name the rule and field at fault (`schedule[0].minute`).
 */
const scheduleLater = z.custom<unknown>((value) => value !== undefined, 'required');
const checkedSchemas: Readonly<Record<Operation, z.ZodType>> = {
  ...requestSchemas,
  create: createTaskRequestSchema.extend({ schedule: scheduleLater }),
  update: updateTaskRequestSchema.extend({ schedule: scheduleLater.optional() }),
  preview: previewRequestSchema.extend({ schedule: scheduleLater }),
};

/** A request that passed its schema, typed by operation. */
export type ParsedRequest = {
  [Op in Operation]: { op: Op; request: z.output<(typeof requestSchemas)[Op]> };
}[Operation];

function isJsonObject(message: unknown): message is Record<string, unknown> {
  return typeof message === 'object' && message !== null && !Array.isArray(message);
}

function notAnObject(): ErrorReply {
  return failure('MALFORMED_MESSAGE', 'a request must be a JSON object', [{ path: '', message: 'expected an object' }]);
}

/** The `request_id` to echo, when the message has a usable one. */
function requestIdOf(body: Record<string, unknown>): string | undefined {
  return typeof body['request_id'] === 'string' ? body['request_id'] : undefined;
}

/** Picks the operation by `op` (absent: create) and checks the message against its schema. */
export function readRequest(message: unknown): ParsedRequest | { error: ErrorReply } {
  if (!isJsonObject(message)) return { error: notAnObject() };
  const body = message;
  const requestId = requestIdOf(body);
  const op = body['op'] ?? 'create';
  if (typeof op !== 'string' || !Object.hasOwn(checkedSchemas, op)) {
    const issue = { path: 'op', message: `expected one of ${OPERATIONS.join(', ')}` };
    return { error: failure('UNKNOWN_OPERATION', 'unknown op', [issue], undefined, requestId) };
  }
  const parsed = checkedSchemas[op as Operation].safeParse(body);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues, body);
    return { error: failure('INVALID_ARGUMENT', 'invalid request', issues, op, requestId) };
  }
  return { op, request: parsed.data } as ParsedRequest;
}

/** The call a request describes, as an `http` target; fields left out are not set. */
function httpTarget(fields: {
  readonly uri?: string | undefined;
  readonly method?: string | undefined;
  readonly parameters?: unknown;
  readonly headers?: unknown;
  readonly timeout_ms?: number | undefined;
}): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const key of ['uri', 'method', 'parameters', 'headers', 'timeout_ms'] as const) {
    if (fields[key] !== undefined) target[key] = fields[key];
  }
  return target;
}

function toTaskInput(request: z.output<typeof createTaskRequestSchema>, context: RequestContext): TaskInput {
  const taskId =
    request.task_id ??
    (context.idempotencyKey === undefined ? undefined : derivedTaskId(request.requester_id, context.idempotencyKey));
  return {
    ...(taskId === undefined ? {} : { task_id: taskId }),
    // UUIDs are case-insensitive (RFC 9562): one spelling, so lists match and results have one routing key.
    requester_id: request.requester_id.toLowerCase(),
    schedule: request.schedule,
    target: { kind: 'http', ...httpTarget(request) } as TaskTarget,
    ...(request.policies === undefined ? {} : { policies: request.policies }),
    ...(context.deliverTo === undefined ? {} : { deliver_to: context.deliverTo }),
  };
}

function toPatch(request: z.output<typeof updateTaskRequestSchema>, current: TaskRecord): TaskPatch {
  const call = httpTarget(request);
  return {
    ...(request.schedule === undefined ? {} : { schedule: request.schedule }),
    // The call's fields merge into the current target: sending `parameters` alone keeps the uri.
    ...(Object.keys(call).length === 0 ? {} : { target: { ...current.target, ...call, kind: 'http' } as TaskTarget }),
    ...(request.policies === undefined ? {} : { policies: request.policies }),
  };
}

/**
 * A task id made from a transport's message key: a UUID (version 8, RFC 9562) hashed from the
 * requester and the key, so the same message always names the same task.
 */
export function derivedTaskId(requesterId: string, key: string): string {
  const bytes = hash('sha256', `${requesterId}\n${key}`, 'buffer').subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toTaskView(record: TaskRecord, nextFires: readonly Date[]): TaskView {
  const { request_hash: _hash, ...view } = record;
  return { ...view, next_fires: nextFires.map((d) => formatInstant(d.getTime())) } as TaskView;
}

function failure(
  code: WireErrorCode,
  message: string,
  issues: readonly ValidationIssue[],
  op?: string,
  requestId?: string,
): ErrorReply {
  return {
    ok: false,
    ...(op === undefined ? {} : { op }),
    ...(requestId === undefined ? {} : { request_id: requestId }),
    error: { code, message, issues: [...issues] },
  };
}

/**
 * An error as a reply. The call's fields sit at the top of a request but inside `target` in a
 * task, so the executor's `target.uri` is reported as `uri`, where the client wrote it.
 */
export function errorReply(error: unknown, op?: string, requestId?: string): ErrorReply {
  // An error that is not the request's fault says nothing of the server's insides to the client.
  if (!isSchedulerError(error))
    return failure('INTERNAL', 'internal error (details are in the scheduler log)', [], op, requestId);
  const issues = 'issues' in error ? (error.issues as readonly ValidationIssue[]) : [];
  const located = issues.map((i) => ({ path: i.path.replace(/^target\./, ''), message: i.message }));
  const reply = failure(error.code, error.message, located, op, requestId);
  if (error instanceof RateLimitedError) reply.error.retry_after_ms = error.retryAfterMs;
  return reply;
}

/** The object without its undefined members (query types take none, under exactOptionalPropertyTypes). */
function definedOnly<T extends object>(source: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
