import { z } from 'zod';
import { errorReplySchema, replySchema, successReplySchema } from './reply.ts';
import { requestMessageSchema, requestSchemas } from './request.ts';
import { resultMessageSchema, runResultSchema, taskViewSchema } from './views.ts';

/**
 * JSON Schema (draft 2020-12, what OpenAPI 3.1 and AsyncAPI 3 embed) of every wire message,
 * generated from the zod schemas: the documents and the other languages' test vectors are derived
 * from the same definitions the server validates with.
 */
export function wireJsonSchemas(): Record<string, unknown> {
  // One document holding every message: each schema with a `meta({ id })` becomes an entry of its
  // `$defs`, and references between them read `#/$defs/<id>`, as OpenAPI's components expect once
  // the prefix is rewritten.
  const all = z.object({
    request: requestMessageSchema,
    reply: replySchema,
    task: taskViewSchema,
    run: runResultSchema,
    result: resultMessageSchema,
    ...Object.fromEntries(Object.entries(requestSchemas)),
    success: successReplySchema,
    error: errorReplySchema,
  });
  const document = z.toJSONSchema(all, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return (document.$defs ?? {}) as Record<string, unknown>;
}
