import type { AddressInfo } from 'node:net';
import { RequestHandler, resultMessageOf } from '@br-sdk/schedule/contract';
import type { FastifyInstance } from 'fastify';
import { SchedulerMetrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { type HttpServerOptions, type ResolvedHttpServerOptions, resolveHttpServerOptions } from './options.ts';
import { createApp, type Gate, WS_PATH } from './server.ts';
import { WebSocketGateway } from './ws-gateway.ts';
import type { WebSocketResultChannel } from './ws-result-channel.ts';

/** Where a started transport listens. */
export interface HttpAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, with an IPv6 host in brackets. */
  readonly url: string;
}

/** How long, after stopAccepting(), a result sent to a subscriber waits for its ack. */
const DRAIN_ACK_TIMEOUT_MS = 5000;

interface Running {
  readonly gate: Gate;
  readonly app: FastifyInstance;
  readonly gateway: WebSocketGateway;
  readonly address: HttpAddress;
}

/**
 * The scheduler over HTTP: the REST API, the WebSocket channel at `/v1/ws`, `/healthz`, `/readyz`,
 * `/metrics` and `/openapi.json`, on one Fastify server. Every request goes through the contract's
 * RequestHandler, so REST, WebSocket and AMQP validate and answer alike.
 *
 * @example
 * ```ts
 * const ws = new WebSocketResultChannel();
 * const scheduler = new Scheduler({ executors: [new HttpExecutor()], channels: [ws] });
 * const http = new HttpTransport({ scheduler, resultChannel: ws, port: 8080 });
 * await scheduler.start();
 * const { url } = await http.start();
 * // shutdown: stop taking requests, let runs finish (their results still reach subscribers), close
 * await http.stopAccepting();
 * await scheduler.stop();
 * await http.stop();
 * ```
 */
export class HttpTransport {
  /** The `ws` result channel: the one given as `resultChannel`, or the transport's own. */
  readonly resultChannel: WebSocketResultChannel;
  private readonly options: ResolvedHttpServerOptions;
  private readonly handler: RequestHandler;
  private readonly metrics: SchedulerMetrics | null;
  private running: Running | null = null;
  private transition: Promise<unknown> | null = null;

  /** @throws HttpOptionsError naming each bad option */
  constructor(options: HttpServerOptions) {
    this.options = resolveHttpServerOptions(options);
    this.resultChannel = this.options.resultChannel;
    const logger = this.options.logger;
    const { authenticator, rateLimiter } = this.options;
    this.handler = new RequestHandler(this.options.scheduler, {
      onInternalError: (error) => logger?.error({ err: error }, 'request failed inside the scheduler'),
      ...(authenticator === undefined ? {} : { authenticator }),
      ...(rateLimiter === undefined ? {} : { rateLimiter }),
    });
    this.metrics = this.options.metrics
      ? new SchedulerMetrics(this.options.scheduler, {
          wsConnections: () => this.running?.gateway.size ?? 0,
          wsPendingResults: () => this.resultChannel.pending,
        })
      : null;
  }

  /** Where the server listens; null until start() resolves and after stop(). */
  get address(): HttpAddress | null {
    return this.running?.address ?? null;
  }

  /**
   * Listens, and opens the result channel. Idempotent while started; after stop() it starts afresh.
   * @throws what listening throws (EADDRINUSE, say); nothing is left open then
   */
  async start(): Promise<{ readonly url: string }> {
    while (this.transition) await this.transition.catch(() => {});
    if (this.running) return { url: this.running.address.url };
    const starting = this.listen();
    this.transition = starting;
    try {
      this.running = await starting;
      return { url: this.running.address.url };
    } finally {
      this.transition = null;
    }
  }

  /**
   * Closes WebSocket connections (status 1001), rejects the results parked for subscribers (they
   * stay in the store's outbox and are delivered again), stops listening, and detaches the metrics
   * from the scheduler. Idempotent.
   */
  async stop(): Promise<void> {
    while (this.transition) await this.transition.catch(() => {});
    const running = this.running;
    if (!running) return;
    const stopping = this.close(running);
    this.transition = stopping;
    try {
      await stopping;
    } finally {
      this.running = null;
      this.transition = null;
    }
  }

  /**
   * The first step of a shutdown: stops taking requests while results still flow. REST routes and
   * `/readyz` answer 503 (so a load balancer moves on), WebSocket upgrades are refused and request
   * frames answered SCHEDULER_NOT_RUNNING; open connections keep their subscriptions and acks.
   * The result channel stops holding results for later: those of requesters without a subscriber
   * are released at once (they stay in the store's outbox for the next start), the others wait for
   * an ack at most `ackTimeoutMs`. So `scheduler.stop()`, which waits for deliveries in progress,
   * cannot wait for a subscriber that never comes. Then stop the scheduler, then call stop().
   */
  async stopAccepting(options: { readonly ackTimeoutMs?: number } = {}): Promise<void> {
    while (this.transition) await this.transition.catch(() => {});
    const running = this.running;
    if (!running) return;
    running.gate.accepting = false;
    running.gateway.stopAccepting();
    this.resultChannel.drain(options.ackTimeoutMs ?? DRAIN_ACK_TIMEOUT_MS);
  }

  private async listen(): Promise<Running> {
    const { options } = this;
    const gate: Gate = { accepting: true };
    const openapi = JSON.stringify(buildOpenApiDocument({ metrics: this.metrics !== null }));
    const { app } = createApp({ options, gate, handler: this.handler, metrics: this.metrics, openapi });
    const gateway = new WebSocketGateway({
      path: WS_PATH,
      handler: this.handler,
      channel: this.resultChannel,
      deliverTo: options.wsDeliverTo,
      maxPayload: options.bodyLimit,
      keepaliveMs: options.keepaliveMs,
      logger: app.log,
    });
    this.resultChannel.useMessageBuilder((result) =>
      resultMessageOf(this.options.scheduler, result, this.options.resultSigner),
    );
    this.resultChannel.open();
    this.metrics?.attach();
    try {
      await app.ready();
      gateway.attach(app.server);
      await app.listen({ host: options.host, port: options.port });
    } catch (error) {
      await this.close({ gate, app, gateway, address: { host: options.host, port: options.port, url: '' } });
      throw error;
    }
    const { address, port } = app.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return { gate, app, gateway, address: { host: address, port, url: `http://${host}:${port}` } };
  }

  private async close(running: Running): Promise<void> {
    await running.gateway.close();
    this.resultChannel.close();
    this.metrics?.detach();
    await running.app.close();
  }
}
