import type { RequestHandler } from '@br-sdk/schedule/contract';
import type { FastifyInstance } from 'fastify';
import { problem, replyProblem } from './problem.ts';
import { buildMessage } from './request-message.ts';
import { signedRequestOf } from './request-signature.ts';
import { REST_ROUTES, successBody } from './routes.ts';
import { pathOf, sendProblem } from './send-problem.ts';

/**
 * Registers the REST routes. Each builds the contract message its request stands for and hands it
 * to the RequestHandler, so validation, error codes and answers are those of AMQP and WebSocket.
 */
export function registerRestRoutes(
  app: FastifyInstance,
  handler: RequestHandler,
  restDeliverTo: readonly string[],
): void {
  for (const route of REST_ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const instance = pathOf(request.url);
        // A signed request is checked first (the signature covers the HTTP request, not a message),
        // and the handler takes the principal as given; otherwise the handler limits the source.
        const admitted = handler.authenticating ? handler.admitSigned(signedRequestOf(request), request.ip) : undefined;
        if (admitted !== undefined && 'error' in admitted) {
          return sendProblem(reply, replyProblem(admitted.error, instance));
        }
        const built = buildMessage(route, {
          params: request.params as Record<string, string | undefined>,
          query: request.query as Record<string, unknown>,
          body: request.body,
          idempotencyKey: request.headers['idempotency-key'],
        });
        if ('error' in built) {
          const { code, message, issues } = built.error;
          return sendProblem(reply, problem(code, message, issues, instance));
        }
        const answer = await handler.handle(built.message, {
          deliverTo: restDeliverTo,
          ...(built.idempotencyKey === undefined ? {} : { idempotencyKey: built.idempotencyKey }),
          ...(admitted?.principal === undefined ? { source: request.ip } : { principal: admitted.principal }),
        });
        if (!answer.ok) {
          if (answer.error.code === 'INTERNAL') request.log.error({ reply: answer }, 'request failed');
          return sendProblem(reply, replyProblem(answer, instance));
        }
        if (route.op === 'create' && answer.task) {
          reply.header('location', `/v1/tasks/${encodeURIComponent(answer.task.id)}`);
        }
        return reply.code(route.status).send(successBody(route, answer));
      },
    });
  }
}
