import type { ResultChannel, RunResult } from '@br-sdk/schedule';
import { Scheduler } from '@br-sdk/schedule';
import { type Reply, RequestHandler, resultMessageOf, type WireErrorCode } from '@br-sdk/schedule/contract';
import { AmqpTransport } from '@br-sdk/schedule-amqp';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { HttpTransport } from '@br-sdk/schedule-http';
import { SqliteTaskStore } from '@br-sdk/schedule-sqlite';
import type { SidecarConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { loadSecurity } from './security.ts';

/**
 * Refused requests: the message itself is at fault, or its sender is not let in; it goes to the
 * dead-letter queue to be looked at. A rate-limited one too: with no reply_to, it would be lost.
 */
export const DEAD_LETTER_CODES: ReadonlySet<WireErrorCode> = new Set([
  'MALFORMED_MESSAGE',
  'UNKNOWN_OPERATION',
  'INVALID_ARGUMENT',
  'SCHEDULE_INVALID',
  'SCHEDULE_SEARCH_LIMIT',
  'MESSAGE_TOO_LARGE',
  'UNAUTHENTICATED',
  'SIGNATURE_INVALID',
  'REQUEST_EXPIRED',
  'REQUEST_REPLAYED',
  'FORBIDDEN',
  'TARGET_FORBIDDEN',
  'RATE_LIMITED',
]);

/** A running sidecar: the scheduler on its SQLite store, with its HTTP and (when configured) AMQP channels. */
export interface RunningSidecar {
  readonly scheduler: Scheduler;
  /** Where REST, WebSocket, health and metrics listen, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /**
   * Stops taking requests, lets runs in flight finish for up to `shutdownTimeoutMs`, delivers what
   * results it can, and closes the store. What is not finished stays in the store for the next start.
   */
  stop(): Promise<void>;
}

/**
 * A channel known by name before its transport exists: the Scheduler needs its channels when it is
 * made, and the HTTP transport needs the Scheduler.
 */
function forwardingChannel(name: string, target: () => ResultChannel): ResultChannel {
  return { name, deliver: (result: RunResult) => target().deliver(result) };
}

/** Opens the store, restores the tasks, and starts every channel: what `br-schedule serve` runs. */
export async function startSidecar(config: SidecarConfig, logger: Logger): Promise<RunningSidecar> {
  const security = loadSecurity(config);
  if (!security.authenticator) {
    logger.warn({ host: config.http.host }, 'SCHEDULER_AUTH=off: requests are not authenticated (loopback only)');
  }
  const { authenticator, rateLimiter, resultSigner } = security;
  const store = await SqliteTaskStore.open({ path: config.storePath });
  const executor = new HttpExecutor({ defaultTimeoutMs: config.httpTargetTimeoutMs, allow: config.targetAllow });
  let http: HttpTransport | undefined;
  let amqp: AmqpTransport | undefined;
  const channels: ResultChannel[] = [forwardingChannel('ws', () => required(http).resultChannel)];
  if (config.amqp) channels.push(forwardingChannel('amqp', () => required(amqp).resultChannel));

  const scheduler = new Scheduler({
    store,
    executors: [executor],
    channels,
    concurrency: config.concurrency,
    runRetention: config.runRetention,
    stopTimeoutMs: config.shutdownTimeoutMs,
    defaultTimezone: config.timezone,
  });
  scheduler.on('error', (error) => logger.error({ err: error }, 'scheduler error'));
  // A result its channel did not take (broker down, no queue bound for the requester yet, no
  // WebSocket subscriber at shutdown) waits in the outbox: expected, so not an error.
  scheduler.on('delivery-retry', ({ error, ...retry }) =>
    logger.debug({ ...retry, err: error }, 'result kept in the outbox'),
  );
  scheduler.on('misfire', (event) => logger.warn(event, 'missed fires'));
  const handler = new RequestHandler(scheduler, {
    onInternalError: (error) => logger.error({ err: error }, 'request failed inside the scheduler'),
    ...(authenticator ? { authenticator } : {}),
    ...(rateLimiter ? { rateLimiter } : {}),
  });

  http = new HttpTransport({
    scheduler,
    host: config.http.host,
    port: config.http.port,
    logger: logger.child({ channel: 'http' }),
    // With AMQP on, results of tasks made over REST are published to the requester's routing key
    // too (services often create over HTTP and consume results from their queue); without it, REST
    // clients read them from the task (`last_run`, `/runs`).
    restDeliverTo: config.amqp ? ['amqp'] : [],
    metrics: config.metrics,
    readiness: () => (amqp ? { amqp: amqp.connected } : {}),
    bodyLimit: config.maxMessageBytes,
    ...(authenticator ? { authenticator } : {}),
    ...(rateLimiter ? { rateLimiter } : {}),
    resultSigner,
  });
  if (config.amqp) {
    amqp = new AmqpTransport({
      url: config.amqp.url,
      requestQueue: config.amqp.requestQueue,
      resultExchange: config.amqp.resultExchange,
      prefetch: config.amqp.prefetch,
      maxMessageBytes: config.maxMessageBytes,
      logger: logger.child({ channel: 'amqp' }),
      handle: async (request) => {
        const reply: Reply = await handler.handle(request.body, {
          deliverTo: ['amqp'],
          ...(request.messageId === undefined ? {} : { idempotencyKey: request.messageId }),
        });
        return { reply, deadLetter: !reply.ok && DEAD_LETTER_CODES.has(reply.error.code) };
      },
      toResultMessage: (result) => resultMessageOf(scheduler, result, resultSigner),
    });
  }

  try {
    await scheduler.start();
    const { url } = await http.start();
    await amqp?.start();
    logger.info(
      { url, amqp: config.amqp !== undefined, store: config.storePath, auth: config.auth.mode },
      'br-schedule serving',
    );
    return {
      scheduler,
      url,
      stop: async () => {
        // Requests first, so nothing new arrives; the result channels stay up while runs finish.
        await amqp?.stopConsuming();
        await http?.stopAccepting();
        await scheduler.stop();
        await Promise.all([amqp?.stop(), http?.stop()]);
        await executor.close();
        await store.close();
        logger.info('br-schedule stopped');
      },
    };
  } catch (error) {
    await Promise.allSettled([amqp?.stop(), http.stop(), scheduler.stop()]);
    await executor.close();
    await store.close();
    throw error;
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('channel used before its transport was made');
  return value;
}
