import { EventEmitter } from 'node:events';
import {
  type ExecutionOutcome,
  type Executor,
  formatInstant,
  type RunContext,
  type TaskTarget,
  type ValidationIssue,
} from '@br-sdk/schedule';
import { Agent } from 'undici';
import { guardedConnector } from './guarded-connector.ts';
import { type HttpExecutorOptions, type ResolvedHttpExecutorOptions, resolveHttpExecutorOptions } from './options.ts';
import { networkErrorOutcome, responseOutcome, transportOutcome } from './outcome.ts';
import { type PreparedRequest, prepareRequest } from './prepared-request.ts';
import { readBody } from './read-body.ts';
import { TargetGuard } from './target-guard.ts';

/** Why an attempt was aborted by the executor rather than failed by the network. */
type AbortCause = 'timeout' | 'stopped';

/**
 * One attempt in flight, and the signal undici watches to abort it: a timeout aborts this attempt
 * only, while the run context's signal (one per Scheduler start, shared by every run) aborts all
 * attempts under it. undici takes an EventEmitter with an `aborted` flag as a signal, as well as
 * an AbortSignal; the emitter costs about a microsecond less per attempt (no EventTarget
 * listener bookkeeping), which counts at 10,000 attempts a second.
 */
class Attempt extends EventEmitter {
  aborted = false;
  cause: AbortCause | null = null;
  readonly scope: AbortSignal;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(scope: AbortSignal, timeoutMs: number) {
    super();
    this.scope = scope;
    this.timer = setTimeout(abortOnTimeout, timeoutMs, this);
  }

  abort(cause: AbortCause): void {
    if (this.aborted) return;
    this.aborted = true;
    this.cause = cause;
    this.emit('abort');
  }

  finish(): void {
    clearTimeout(this.timer);
  }
}

function abortOnTimeout(attempt: Attempt): void {
  attempt.abort('timeout');
}

/**
 * Performs `http` targets (`HttpTarget`): one HTTP request per attempt, on a keep-alive
 * connection pool (an undici `Agent`), reporting the status and the body (cut at
 * `maxContentBytes`) as the run's outcome.
 *
 * - **Success** iff the status is 2xx. Redirects are not followed: a 3xx is a failure.
 * - **Guarded** (TargetGuard, the `allow` option): a target at a cloud metadata address, at a name
 *   resolving to one, or outside the allow-list is refused by `admit` when its task is created or
 *   changed, and every connection is judged again as it opens, to the addresses just checked. A
 *   refused attempt fails, not retryable, with an error starting `TARGET_FORBIDDEN:`.
 * - **Retryable** (the task's retry policy decides whether and when): network errors, timeouts,
 *   408, 429 and 5xx. A `Retry-After` on those is passed on as `retry_after_ms`.
 * - **Headers sent** on every attempt: `Idempotency-Key: <task_id>:<scheduled_at>` (the same for
 *   every attempt of one occurrence), `X-Br-Task-Id`, `X-Br-Run-Id`, `X-Br-Scheduled-At`
 *   (RFC 3339 UTC), `X-Br-Attempt` (1, 2, …) and `User-Agent`, besides the target's own headers.
 *
 * Never throws from `execute`: every failure is an outcome. The pool opens on the first attempt (or `raw`);
 * `close()` closes it, and an attempt after `close()` opens a new one, so a Scheduler that is
 * stopped and started again keeps working.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ executors: [new HttpExecutor()] });
 * await scheduler.start();
 * await scheduler.schedule({
 *   requester_id: 'billing',
 *   schedule: { rules: [{ cron: '0 17 * * THU' }], timezone: 'Europe/London' },
 *   target: { kind: 'http', uri: 'https://billing.internal/reports', method: 'POST', parameters: { team: 'ops' } },
 * });
 * ```
 */
export class HttpExecutor implements Executor {
  readonly kind = 'http';
  readonly options: ResolvedHttpExecutorOptions;
  private readonly guard: TargetGuard;
  private agent: Agent | null = null;
  /** Targets are immutable (task records are snapshots), so each is prepared once, on first use. */
  private readonly prepared = new WeakMap<TaskTarget, PreparedRequest>();
  private readonly attempts = new Set<Attempt>();
  private lastScheduledAt: [number, string] = [Number.NaN, ''];
  /**
   * Signals with our abort listener: one per signal, not one per attempt, because EventTarget's
   * addEventListener scans the listeners already there (20,000 attempts in flight: ~0.7 s of CPU).
   */
  private readonly watched = new WeakSet<AbortSignal>();

  /** @throws InvalidArgumentError naming each bad option (see `resolveHttpExecutorOptions`) */
  constructor(options: HttpExecutorOptions = {}) {
    this.options = resolveHttpExecutorOptions(options);
    this.guard = new TargetGuard({ allow: this.options.allow, lookup: this.options.lookup });
  }

  /** The undici `Agent` (the connection pool), opened if it is not, for stats or interceptors. */
  get raw(): Agent {
    if (this.agent === null) {
      this.agent = new Agent({
        connections: this.options.connections,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        // Our own deadline covers headers and body together; undici's separate 300 s timers would
        // cut a target allowed up to 600 s short, and cost a timer each.
        headersTimeout: 0,
        bodyTimeout: 0,
        // Every connection through the guard, which also picks the address it goes to.
        connect: guardedConnector(this.guard),
      });
    }
    return this.agent;
  }

  /**
   * Checks a target (`validateHttpTarget`). A valid target is prepared at the same time, so
   * a task's attempts start without parsing anything: the Scheduler keeps the object it validated.
   */
  validate(target: TaskTarget): readonly ValidationIssue[] {
    const request = prepareRequest(target, this.options.defaultTimeoutMs);
    if (Array.isArray(request)) return request;
    this.prepared.set(target, request);
    return [];
  }

  /**
   * Whether the target's host may be called (see TargetGuard), looking its name up: an issue at
   * `uri` when not. An invalid target is left to `validate`. A name that does not resolve is
   * admitted: it may by the time it fires, and each connection is judged as it opens.
   */
  async admit(target: TaskTarget): Promise<readonly ValidationIssue[]> {
    const request = this.preparedRequest(target);
    if (typeof request === 'string') return [];
    const refusal = await this.guard.check(request.hostname);
    return refusal === null ? [] : [{ path: 'uri', message: refusal }];
  }

  async execute(target: TaskTarget, context: RunContext): Promise<ExecutionOutcome> {
    const request = this.preparedRequest(target);
    if (typeof request === 'string') return transportOutcome(`invalid http target: ${request}`, false, null);
    if (context.signal.aborted) return transportOutcome(abortedMessage(context.signal), true, null);

    const attempt = new Attempt(context.signal, request.timeoutMs);
    this.watch(context.signal);
    this.attempts.add(attempt);
    let httpStatus: number | null = null;
    try {
      const response = await this.raw.request({
        origin: request.origin,
        path: request.path,
        method: request.method,
        headers: this.headersFor(request, context),
        body: request.body,
        signal: attempt,
      });
      httpStatus = response.statusCode;
      const body = await readBody(response.body, this.options.maxContentBytes);
      return responseOutcome(httpStatus, response.headers, body.text, body.truncated, Date.now());
    } catch (error) {
      if (attempt.cause === 'timeout') {
        return transportOutcome(`timeout after ${request.timeoutMs} ms`, true, httpStatus);
      }
      if (attempt.cause === 'stopped') return transportOutcome(abortedMessage(context.signal), true, httpStatus);
      return networkErrorOutcome(error, httpStatus);
    } finally {
      attempt.finish();
      this.attempts.delete(attempt);
    }
  }

  /**
   * Closes the connection pool once the attempts in progress end (each ends by its deadline at the
   * latest). Idempotent; a later attempt opens a new pool.
   */
  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = null;
    await agent?.close();
  }

  /** The target's request, prepared on first use (a task restored from a store was not validated here), or its issues. */
  private preparedRequest(target: TaskTarget): PreparedRequest | string {
    const known = this.prepared.get(target);
    if (known !== undefined) return known;
    const request = prepareRequest(target, this.options.defaultTimeoutMs);
    if (Array.isArray(request)) return request.map((i) => `${i.path}: ${i.message}`).join('; ');
    this.prepared.set(target, request);
    return request;
  }

  private headersFor(request: PreparedRequest, context: RunContext): string[] {
    return [
      ...request.headers,
      'user-agent',
      this.options.userAgent,
      'idempotency-key',
      context.idempotency_key,
      'x-br-task-id',
      context.task.id,
      'x-br-run-id',
      context.run_id,
      'x-br-scheduled-at',
      this.formatScheduledAt(context.scheduled_at),
      'x-br-attempt',
      String(context.attempt),
    ];
  }

  /** Formats a fire time, remembering the last one: a burst's attempts mostly share it. */
  private formatScheduledAt(instant: number): string {
    if (instant !== this.lastScheduledAt[0]) this.lastScheduledAt = [instant, formatInstant(instant)];
    return this.lastScheduledAt[1];
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const attempt of this.attempts) if (attempt.scope === signal) attempt.abort('stopped');
      },
      { once: true },
    );
  }
}

function abortedMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return `aborted: ${reason instanceof Error ? reason.message : String(reason ?? 'the run was cancelled')}`;
}
