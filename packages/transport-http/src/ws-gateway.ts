import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from '@br-sdk/schedule/contract';
import type { FastifyBaseLogger } from 'fastify';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { type Problem, problem } from './problem.ts';
import { type ErrorFrame, type ReplyFrame, readFrame, type ServerFrame } from './ws-frames.ts';
import type { ResultSink, WebSocketResultChannel } from './ws-result-channel.ts';

export interface WebSocketGatewayOptions {
  /** The URL path upgrades are accepted on. */
  readonly path: string;
  readonly handler: RequestHandler;
  readonly channel: WebSocketResultChannel;
  /** Result channels of tasks created over the WebSocket. */
  readonly deliverTo: readonly string[];
  /** The largest frame; a bigger one closes the connection (status 1009). */
  readonly maxPayload: number;
  readonly keepaliveMs: number;
  readonly logger: FastifyBaseLogger;
}

/** How long stop() waits for peers to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1000;

/** One peer: a result sink, and the keepalive flag the next ping round checks. */
class Connection implements ResultSink {
  readonly socket: WebSocket;
  /** The peer's address, for the per-source rate limit. */
  readonly source: string | undefined;
  alive = true;

  constructor(socket: WebSocket, source: string | undefined) {
    this.socket = socket;
    this.source = source;
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function malformed(message: string): ErrorFrame {
  return { type: 'error', error: { code: 'MALFORMED_MESSAGE', message, issues: [{ path: '', message }] } };
}

/**
 * The WebSocket endpoint: takes over the HTTP server's upgrade requests on one path, answers
 * request frames through the RequestHandler, and hands subscriptions and acks to the result
 * channel. A ping every `keepaliveMs` finds dead peers: one that has not answered the previous
 * ping is dropped, and its unacked results go to the next subscriber.
 */
export class WebSocketGateway {
  private readonly options: WebSocketGatewayOptions;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private server: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private accepting = true;

  constructor(options: WebSocketGatewayOptions) {
    this.options = options;
    // noServer: upgrades arrive through attach(), so the HTTP server stays Fastify's alone.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, clientTracking: false });
  }

  /** Open connections. */
  get size(): number {
    return this.connections.size;
  }

  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
    this.timer = setInterval(() => this.keepalive(), this.options.keepaliveMs);
    this.timer.unref();
  }

  /**
   * Refuses new upgrades and answers request frames SCHEDULER_NOT_RUNNING; open connections keep
   * their subscriptions and acks, so results still reach them.
   */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Refuses new upgrades, closes every connection (1001), and cuts off those that do not answer in time. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.server?.off('upgrade', this.onUpgrade);
    this.server = null;
    const closed = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.socket.readyState === WebSocket.CLOSED) return resolve();
          c.socket.once('close', () => resolve());
          c.socket.close(1001, 'server stopping');
        }),
    );
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(grace);
    for (const c of this.connections) c.socket.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== this.options.path) refuse(socket, problem('ROUTE_NOT_FOUND', `no WebSocket at ${path}`));
    else if (this.closing || !this.accepting) refuse(socket, problem('NOT_READY', 'the server is stopping'));
    else this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request.socket.remoteAddress));
  };

  private accept(socket: WebSocket, source: string | undefined): void {
    const connection = new Connection(socket, source);
    this.connections.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      connection.alive = true;
      this.onFrame(connection, data, isBinary).catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'WebSocket frame handling failed'),
      );
    });
    socket.on('error', (error) => this.options.logger.debug({ err: error }, 'WebSocket connection error'));
    socket.on('close', () => {
      this.connections.delete(connection);
      this.options.channel.detach(connection);
    });
  }

  private async onFrame(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return connection.send(malformed('expected a text frame holding JSON'));
    const frame = readFrame(toBuffer(data).toString('utf8'));
    if ('error' in frame) return connection.send({ type: 'error', error: frame.error });
    const { channel } = this.options;
    switch (frame.type) {
      case 'request': {
        if (!this.accepting) return connection.send(stopping(frame.message));
        const reply = await this.options.handler.handle(frame.message, {
          deliverTo: this.options.deliverTo,
          ...(connection.source === undefined ? {} : { source: connection.source }),
        });
        if (!reply.ok && reply.error.code === 'INTERNAL') {
          this.options.logger.error({ reply }, 'WebSocket request failed');
        }
        return connection.send({ type: 'reply', ...reply });
      }
      case 'subscribe': {
        // A subscription is signed like a request; its signer is the requester subscribed to.
        const admitted = this.options.handler.authenticating
          ? this.options.handler.admit(
              frame.signed,
              connection.source === undefined ? {} : { source: connection.source },
            )
          : undefined;
        if (admitted !== undefined && 'error' in admitted)
          return connection.send({ type: 'error', error: admitted.error.error });
        // The acknowledgement goes first: results of the subscription follow it.
        connection.send({ type: 'subscribed', requester_id: frame.requester_id });
        return channel.subscribe(frame.requester_id, connection);
      }
      case 'unsubscribe':
        channel.unsubscribe(frame.requester_id, connection);
        return connection.send({ type: 'unsubscribed', requester_id: frame.requester_id });
      case 'ack':
        channel.ack(connection, frame.cursor);
        return;
    }
  }

  private keepalive(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

/** The reply to a request that arrives while the transport stops. */
function stopping(message: Readonly<Record<string, unknown>>): ReplyFrame {
  const { op, request_id: requestId } = message;
  return {
    type: 'reply',
    ok: false,
    ...(typeof op === 'string' ? { op } : {}),
    ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
    error: {
      code: 'SCHEDULER_NOT_RUNNING',
      message: 'the server is stopping: retry on another instance or later',
      issues: [],
    },
  };
}

/** Answers an upgrade that is not taken with a problem document, and closes the socket. */
function refuse(socket: Duplex, answer: Problem): void {
  const body = JSON.stringify(answer);
  const reason = answer.status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${answer.status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
