import { z } from 'zod';
import { ERROR_CODES } from '../errors.ts';
import { requestIdField } from './fields.ts';
import { OPERATIONS } from './request.ts';
import { runResultSchema, taskViewSchema } from './views.ts';

/**
 * The answer to each request: `ok: true` with what the operation returns, or `ok: false` with an
 * error whose `code` is stable (clients branch on it) and whose `issues` name each bad field.
 */

/** Every code a reply may carry: core's, plus those the channels add. */
export const WIRE_ERROR_CODES = [...ERROR_CODES, 'MALFORMED_MESSAGE', 'UNKNOWN_OPERATION', 'INTERNAL'] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

export const errorBodySchema = z
  .object({
    code: z.enum(WIRE_ERROR_CODES),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).meta({
      description: 'Each bad field: its path in the request (`schedule[0].minute`) and why.',
    }),
    retry_after_ms: z
      .number()
      .int()
      .optional()
      .meta({ description: 'RATE_LIMITED: how long until the request would be taken.' }),
  })
  .meta({ id: 'ErrorBody' });

export const successReplySchema = z
  .object({
    ok: z.literal(true),
    op: z.enum(OPERATIONS),
    request_id: requestIdField.optional(),
    task: taskViewSchema.optional().meta({ description: 'create, update, get, cancel, pause, resume, trigger.' }),
    run_id: z.string().optional().meta({ description: 'trigger: the id of the run started.' }),
    tasks: z.array(taskViewSchema).optional().meta({ description: 'list.' }),
    runs: z.array(runResultSchema).optional().meta({ description: 'runs.' }),
    next_cursor: z.string().nullable().optional().meta({ description: 'list, runs: null on the last page.' }),
    fires: z.array(z.string()).optional().meta({ description: 'preview: RFC 3339 UTC instants.' }),
  })
  .meta({ id: 'SuccessReply' });

export const errorReplySchema = z
  .object({
    ok: z.literal(false),
    op: z.string().optional(),
    request_id: z.string().optional(),
    error: errorBodySchema,
  })
  .meta({ id: 'ErrorReply' });

export const replySchema = z.union([successReplySchema, errorReplySchema]).meta({ id: 'Reply' });

export type ErrorBody = z.output<typeof errorBodySchema>;
export type SuccessReply = z.output<typeof successReplySchema>;
export type ErrorReply = z.output<typeof errorReplySchema>;
export type Reply = z.output<typeof replySchema>;
