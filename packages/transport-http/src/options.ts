import type { Scheduler } from '@br-sdk/schedule';
import type { RateLimiter, RequestAuthenticator, ResultSigner } from '@br-sdk/schedule/security';
import type { FastifyBaseLogger } from 'fastify';
import { type HttpOptionIssue, HttpOptionsError } from './errors.ts';
import { WebSocketResultChannel } from './ws-result-channel.ts';

/** Extra readiness checks: each name is reported by `/readyz`, which answers 503 unless every one is true. */
export type ReadinessCheck = () => Promise<Readonly<Record<string, boolean>>> | Readonly<Record<string, boolean>>;

/** Options of {@link HttpTransport}. */
export interface HttpServerOptions {
  /** The scheduler requests are carried out against. */
  readonly scheduler: Scheduler;
  /**
   * The channel WebSocket subscribers receive results through; the Scheduler must deliver `ws`
   * results to it. Either make it first and build the Scheduler with it (`channels: [channel]`), or
   * leave it out and give the Scheduler a channel named `ws` that forwards to
   * `transport.resultChannel`. @default a new WebSocketResultChannel
   */
  readonly resultChannel?: WebSocketResultChannel;
  /** The interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The TCP port; 0 picks a free one (read it from `start()`'s URL or `address`). @default 8080 */
  readonly port?: number;
  /** Fastify's logger: a pino logger or a child of one. Requests are not logged one by one. @default silent */
  readonly logger?: FastifyBaseLogger;
  /**
   * Result channels of tasks created over REST. REST clients read outcomes from `last_run` and
   * `/runs`; the sidecar passes `['amqp']` when AMQP is on so the requester hears there too.
   * @default [] (run history only)
   */
  readonly restDeliverTo?: readonly string[];
  /** Result channels of tasks created over the WebSocket. @default [resultChannel.name] */
  readonly wsDeliverTo?: readonly string[];
  /** Checks `/readyz` adds to `scheduler` (is it running?), e.g. `() => ({ amqp: transport.connected })`. */
  readonly readiness?: ReadinessCheck;
  /** Serve `/metrics` and count scheduler events into it. @default true */
  readonly metrics?: boolean;
  /** The largest request body and WebSocket frame, in bytes. @default 1048576 (1 MiB) */
  readonly bodyLimit?: number;
  /** How often each WebSocket peer is pinged, in ms; one that has not answered the previous ping is dropped. @default 30000 */
  readonly keepaliveMs?: number;
  /**
   * Checks every request's signature (REST: the X-Br-* headers; WebSocket: the message) and keeps
   * each requester to its own tasks. Share one with the other channels, so a nonce used on one
   * cannot be replayed on another. @default none: requests are not authenticated
   */
  readonly authenticator?: RequestAuthenticator;
  /** Rate limits per requester and per peer address (HTTP 429 with Retry-After). @default none */
  readonly rateLimiter?: RateLimiter;
  /** Signs the results sent to WebSocket subscribers. @default none: `scheduler_signature` is null */
  readonly resultSigner?: ResultSigner;
}

/** {@link HttpServerOptions} with every default filled in. */
export interface ResolvedHttpServerOptions {
  readonly scheduler: Scheduler;
  readonly resultChannel: WebSocketResultChannel;
  readonly host: string;
  readonly port: number;
  readonly logger: FastifyBaseLogger | null;
  readonly restDeliverTo: readonly string[];
  readonly wsDeliverTo: readonly string[];
  readonly readiness: ReadinessCheck | null;
  readonly metrics: boolean;
  readonly bodyLimit: number;
  readonly keepaliveMs: number;
  readonly authenticator: RequestAuthenticator | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly resultSigner: ResultSigner | undefined;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_BODY_LIMIT = 1_048_576;
export const DEFAULT_KEEPALIVE_MS = 30_000;

function checkInteger(issues: HttpOptionIssue[], path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    issues.push({ path, message: `expected a whole number from ${min} to ${max}, got ${String(value)}` });
  }
}

function checkNames(issues: HttpOptionIssue[], path: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    issues.push({ path, message: 'expected an array of channel names' });
  }
}

/** Fills defaults and checks every option once; throws HttpOptionsError naming each bad one. */
export function resolveHttpServerOptions(options: HttpServerOptions): ResolvedHttpServerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new HttpOptionsError([{ path: '', message: 'expected an object' }]);
  }
  const issues: HttpOptionIssue[] = [];
  const scheduler: unknown = options.scheduler;
  if (typeof scheduler !== 'object' || scheduler === null || typeof (scheduler as Scheduler).stats !== 'function') {
    issues.push({ path: 'scheduler', message: 'expected a Scheduler' });
  }
  const resultChannel = options.resultChannel ?? new WebSocketResultChannel();
  if (!(resultChannel instanceof WebSocketResultChannel)) {
    issues.push({ path: 'resultChannel', message: 'expected a WebSocketResultChannel' });
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '')
    issues.push({ path: 'host', message: 'expected a host name or address' });
  const port = options.port ?? DEFAULT_PORT;
  checkInteger(issues, 'port', port, 0, 65_535);
  const restDeliverTo = options.restDeliverTo ?? [];
  checkNames(issues, 'restDeliverTo', restDeliverTo);
  const wsDeliverTo = options.wsDeliverTo ?? [resultChannel.name];
  checkNames(issues, 'wsDeliverTo', wsDeliverTo);
  if (options.readiness !== undefined && typeof options.readiness !== 'function') {
    issues.push({ path: 'readiness', message: 'expected a function' });
  }
  const metrics = options.metrics ?? true;
  if (typeof metrics !== 'boolean') issues.push({ path: 'metrics', message: 'expected a boolean' });
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  checkInteger(issues, 'bodyLimit', bodyLimit, 1024, 64 * DEFAULT_BODY_LIMIT);
  const keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
  checkInteger(issues, 'keepaliveMs', keepaliveMs, 10, 3_600_000);
  if (issues.length > 0) throw new HttpOptionsError(issues);
  return {
    scheduler: options.scheduler,
    resultChannel,
    host,
    port,
    logger: options.logger ?? null,
    restDeliverTo: [...restDeliverTo],
    wsDeliverTo: [...wsDeliverTo],
    readiness: options.readiness ?? null,
    metrics,
    bodyLimit,
    keepaliveMs,
    authenticator: options.authenticator,
    rateLimiter: options.rateLimiter,
    resultSigner: options.resultSigner,
  };
}
