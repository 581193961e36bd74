import type { FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE, type Problem } from './problem.ts';

/** Answers with a problem document (serialized here: Fastify only serializes objects for JSON types it knows). */
export function sendProblem(reply: FastifyReply, answer: Problem): FastifyReply {
  if (answer.retry_after_ms !== undefined)
    reply.header('retry-after', Math.max(1, Math.ceil(answer.retry_after_ms / 1000)));
  return reply.code(answer.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(answer));
}

/** The path of a request URL, without its query: a problem's `instance`. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
