import type { RunResult } from '@br-sdk/schedule';
import { type AmqpOptionIssue, AmqpOptionsError } from './errors.ts';
import { type AmqpLogger, silentLogger } from './logger.ts';
import type { AmqpReply, AmqpRequest } from './request.ts';

/** Backoff between reconnect attempts: full jitter, capped exponential. */
export interface AmqpReconnectOptions {
  /** The ceiling of the first wait, in ms. @default 100 */
  readonly initialDelayMs?: number;
  /** The largest ceiling, in ms: the ceiling doubles after each failed attempt up to this. @default 5000 */
  readonly maxDelayMs?: number;
}

export interface AmqpTransportOptions {
  /** The broker, e.g. `amqp://guest:guest@127.0.0.1:5672` (`amqps://` for TLS; `?heartbeat=` and vhost as amqplib reads them). */
  readonly url: string;
  /** The durable queue requests are consumed from. Declared with `x-dead-letter-exchange` = the dead-letter exchange. */
  readonly requestQueue: string;
  /** The durable topic exchange results are published to, with the requester id as routing key. */
  readonly resultExchange: string;
  /** The durable queue refused and malformed requests end up in. @default `${requestQueue}.dead` */
  readonly deadLetterQueue?: string;
  /** The durable fanout exchange the request queue dead-letters to, bound to the dead-letter queue. @default `${requestQueue}.dlx` */
  readonly deadLetterExchange?: string;
  /** Requests handled at once: the consumer's unacknowledged-message limit (AMQP `basic.qos`), 1 to 65535. @default 256 */
  readonly prefetch?: number;
  /**
   * The largest request body read; a bigger one is answered MESSAGE_TOO_LARGE and dead-lettered
   * unread. (The broker has its own, larger limit: `max_message_size`, 128 MiB by default.)
   * @default 1048576 (1 MiB)
   */
  readonly maxMessageBytes?: number;
  /** The `name` of {@link AmqpTransport.resultChannel}, stored with each outbox entry. @default 'amqp' */
  readonly channelName?: string;
  /**
   * Prefix of the `connection_name` client property of the two connections (`<name> consumer`,
   * `<name> publisher`), as the management UI and `rabbitmqctl list_connections` show them.
   * @default 'br-schedule'
   */
  readonly connectionName?: string;
  /**
   * How long a reply or a result waits, in ms, for the publishing connection while it reconnects,
   * before the result is rejected with AmqpNotConnectedError (the outbox retries it). 0: no wait.
   * @default 2000
   */
  readonly publishWaitMs?: number;
  /**
   * Handles one well-formed request (a JSON object). Resolve once the request's effect is durable:
   * the request is acknowledged only after that (and after its reply is confirmed). Reject only on
   * unexpected failures: the request is then answered `INTERNAL` and dead-lettered.
   */
  readonly handle: (request: AmqpRequest) => Promise<AmqpReply>;
  /** The JSON body published for a result (may be async). */
  readonly toResultMessage: (result: RunResult) => unknown;
  /** @default a logger that discards everything */
  readonly logger?: AmqpLogger;
  readonly reconnect?: AmqpReconnectOptions;
}

/** Options with every default filled in. */
export interface ResolvedAmqpTransportOptions {
  readonly url: string;
  readonly requestQueue: string;
  readonly resultExchange: string;
  readonly deadLetterQueue: string;
  readonly deadLetterExchange: string;
  readonly prefetch: number;
  readonly maxMessageBytes: number;
  readonly channelName: string;
  readonly connectionName: string;
  readonly publishWaitMs: number;
  readonly handle: (request: AmqpRequest) => Promise<AmqpReply>;
  readonly toResultMessage: (result: RunResult) => unknown;
  readonly logger: AmqpLogger;
  readonly reconnect: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

/** AMQP's short strings (queue and exchange names) hold at most 255 bytes. */
const MAX_NAME_BYTES = 255;

function checkName(issues: AmqpOptionIssue[], path: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    issues.push({ path, message: `expected a non-empty string, got ${JSON.stringify(value)}` });
  } else if (Buffer.byteLength(value) > MAX_NAME_BYTES) {
    issues.push({ path, message: `expected at most ${MAX_NAME_BYTES} bytes, got ${Buffer.byteLength(value)}` });
  } else if (value.startsWith('amq.')) {
    // The broker refuses to declare `amq.` names (403 ACCESS_REFUSED), which would fail every connect.
    issues.push({ path, message: `names starting with 'amq.' are reserved by the broker, got '${value}'` });
  }
}

function checkInteger(issues: AmqpOptionIssue[], path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    issues.push({ path, message: `expected a whole number from ${min} to ${max}, got ${String(value)}` });
  }
}

function checkFunction(issues: AmqpOptionIssue[], path: string, value: unknown): void {
  if (typeof value !== 'function') issues.push({ path, message: `expected a function, got ${typeof value}` });
}

/** Fills defaults and checks every option once; throws AmqpOptionsError naming each bad one. */
export function resolveAmqpTransportOptions(options: AmqpTransportOptions): ResolvedAmqpTransportOptions {
  if (typeof options !== 'object' || options === null) {
    throw new AmqpOptionsError([{ path: '', message: 'expected an object' }]);
  }
  const issues: AmqpOptionIssue[] = [];
  if (typeof options.url !== 'string' || !/^amqps?:\/\//.test(options.url)) {
    issues.push({ path: 'url', message: 'expected an amqp:// or amqps:// URL' });
  }
  checkName(issues, 'requestQueue', options.requestQueue);
  checkName(issues, 'resultExchange', options.resultExchange);
  const deadLetterQueue = options.deadLetterQueue ?? `${options.requestQueue}.dead`;
  const deadLetterExchange = options.deadLetterExchange ?? `${options.requestQueue}.dlx`;
  checkName(issues, 'deadLetterQueue', deadLetterQueue);
  checkName(issues, 'deadLetterExchange', deadLetterExchange);
  const prefetch = options.prefetch ?? 256;
  checkInteger(issues, 'prefetch', prefetch, 1, 65_535);
  const maxMessageBytes = options.maxMessageBytes ?? 1_048_576;
  checkInteger(issues, 'maxMessageBytes', maxMessageBytes, 1024, 134_217_728);
  const channelName = options.channelName ?? 'amqp';
  if (typeof channelName !== 'string' || channelName === '') {
    issues.push({ path: 'channelName', message: `expected a non-empty string, got ${JSON.stringify(channelName)}` });
  }
  const connectionName = options.connectionName ?? 'br-schedule';
  if (typeof connectionName !== 'string') {
    issues.push({ path: 'connectionName', message: `expected a string, got ${typeof connectionName}` });
  }
  const publishWaitMs = options.publishWaitMs ?? 2000;
  checkInteger(issues, 'publishWaitMs', publishWaitMs, 0, 60_000);
  checkFunction(issues, 'handle', options.handle);
  checkFunction(issues, 'toResultMessage', options.toResultMessage);
  const initialDelayMs = options.reconnect?.initialDelayMs ?? 100;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? 5000;
  checkInteger(issues, 'reconnect.initialDelayMs', initialDelayMs, 1, 3_600_000);
  checkInteger(issues, 'reconnect.maxDelayMs', maxDelayMs, 1, 3_600_000);
  if (maxDelayMs < initialDelayMs) {
    issues.push({ path: 'reconnect.maxDelayMs', message: `expected at least initialDelayMs (${initialDelayMs})` });
  }
  if (issues.length > 0) throw new AmqpOptionsError(issues);
  return {
    url: options.url,
    requestQueue: options.requestQueue,
    resultExchange: options.resultExchange,
    deadLetterQueue,
    deadLetterExchange,
    prefetch,
    maxMessageBytes,
    channelName,
    connectionName,
    publishWaitMs,
    handle: options.handle,
    toResultMessage: options.toResultMessage,
    logger: options.logger ?? silentLogger,
    reconnect: { initialDelayMs, maxDelayMs },
  };
}
