import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from '@br-sdk/schedule/contract';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { DRAIN_LIMIT_BYTES, drainBody } from './drain-body.ts';
import type { SchedulerMetrics } from './metrics.ts';
import type { ResolvedHttpServerOptions } from './options.ts';
import { errorProblem, PROBLEM_CONTENT_TYPE, parserErrorProblem, problem } from './problem.ts';
import { rawBodies } from './request-signature.ts';
import { registerRestRoutes } from './rest-routes.ts';
import { pathOf, sendProblem } from './send-problem.ts';
import { registerSystemRoutes } from './system-routes.ts';

/** The WebSocket endpoint's path. */
export const WS_PATH = '/v1/ws';

/** Whether requests are taken: false after HttpTransport.stopAccepting() (results still flow). */
export interface Gate {
  accepting: boolean;
}

export interface AppContext {
  readonly options: ResolvedHttpServerOptions;
  readonly gate: Gate;
  readonly handler: RequestHandler;
  readonly metrics: SchedulerMetrics | null;
  /** The OpenAPI document, serialized. */
  readonly openapi: string;
}

/** A route as Fastify registered it: its method and pattern. */
export interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
}

function patternOf(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/**
 * Answers a request the HTTP parser refused with a problem document, and closes the connection (the
 * parser cannot find where the next request would start). A reset connection has nobody to answer.
 */
function answerParserError(error: ParserError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const answer = parserErrorProblem(error);
  const body = JSON.stringify(answer);
  // end(), not write() then destroy(): destroying at once can drop the answer before it is sent.
  // The answer to a HEAD has no content (its client would read the body as the next response).
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      (failedOnHead(error) ? '' : body),
  );
  // What the peer still sends is read and dropped (up to DRAIN_LIMIT_BYTES), as for any body not
  // read: closing under it would reset the connection and the answer with it.
  let dropped = 0;
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT_BYTES) socket.destroy();
  });
  socket.resume();
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), PARSER_ERROR_LINGER_MS).unref();
}

const PARSER_ERROR_LINGER_MS = 5000;

/** What Node's HTTP parser attaches to its errors: the chunk it was parsing, and where in it it failed. */
type ParserError = Error & { code?: string; rawPacket?: unknown; bytesParsed?: unknown };

/**
 * Whether the parser failed in the request line of a HEAD. The chunk may start with the end of the
 * previous request's body, so the request line is looked for just before where parsing stopped.
 */
function failedOnHead(error: ParserError): boolean {
  const packet = error.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const at = typeof error.bytesParsed === 'number' ? Math.min(error.bytesParsed, packet.length) : packet.length;
  const before = packet.subarray(Math.max(0, at - 8192), at).toString('latin1');
  const line = before.slice(before.lastIndexOf('\n') + 1);
  const method = line.lastIndexOf('HEAD ');
  return method >= 0 && !line.slice(method).includes(' HTTP/');
}

/**
 * The Fastify application: JSON bodies only (an empty body reads as none), every error and unknown
 * route or method as problem+json, request counting for the metrics, and the routes.
 */
export function createApp(context: AppContext): { app: FastifyInstance; routes: RegisteredRoute[] } {
  const { options, metrics } = context;
  const routes: RegisteredRoute[] = [];
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One log line per request is too many for a scheduler's API: failures are logged, requests counted.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Task ids reach 128 characters; longer ones get the contract's message rather than a 414.
    routerOptions: { maxParamLength: 256 },
    // Fastify's own answer while closing is not a problem document; the onRequest hook below gives one.
    return503OnClosing: false,
    // Fastify's own answer is JSON that is not a problem document, and leaves the connection
    // looking reusable though it closes it.
    clientErrorHandler: answerParserError,
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, errorProblem(error, options.bodyLimit, pathOf(request.url)));
    },
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    // Draining refuses requests; health, readiness and metrics still answer (readiness with 503).
    if (!closing && (context.gate.accepting || !path.startsWith('/v1/'))) return;
    if (closing) reply.header('connection', 'close');
    return sendProblem(reply, problem('NOT_READY', 'the server is stopping', [], path));
  });

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, path: route.url });
  });

  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    rawBodies.set(request, bytes);
    // A POST to an action route (pause, trigger) may come with a JSON content type and no body.
    const text = bytes.toString('utf8');
    if (text === '') done(null, undefined);
    // Fastify's parser (it refuses __proto__ and constructor.prototype keys) is synchronous and calls done.
    else void parseJson(request, text, done);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = errorProblem(error, options.bodyLimit, pathOf(request.url));
    if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, answer);
  });

  // A body not read (over the limit, or sent on a route that takes none) may still be arriving:
  // take it in before answering, or closing the connection under it resets the answer away.
  app.addHook('onSend', async (request) => {
    if (!request.raw.complete) await drainBody(request.raw);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const allowed = routes.filter((r) => patternOf(r.path).test(path)).map((r) => r.method);
    if (allowed.length === 0) {
      return sendProblem(reply, problem('ROUTE_NOT_FOUND', `no route ${request.method} ${path}`, [], path));
    }
    reply.header('allow', [...new Set(allowed)].join(', '));
    const detail = `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`;
    return sendProblem(reply, problem('METHOD_NOT_ALLOWED', detail, [], path));
  });

  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      metrics.countRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode);
    });
  }

  registerRestRoutes(app, context.handler, options.restDeliverTo);
  registerSystemRoutes(app, {
    scheduler: options.scheduler,
    gate: context.gate,
    readiness: options.readiness,
    metrics,
    openapi: context.openapi,
    wsPath: WS_PATH,
    schedulerKey: options.resultSigner?.published(),
  });
  return { app, routes };
}
