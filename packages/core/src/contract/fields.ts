import { z } from 'zod';
import { scheduleInputSchema } from '../schedule/schema.ts';
import { policiesSchema, TASK_STATUSES, taskIdSchema } from '../scheduler/task.ts';
import { MAX_PAGE_SIZE } from '../store/task-store.ts';

/**
 * The fields the wire messages share, each defined once. The message contract that teams already
 * use names them (`uri`, `parameters`, `method`, `schedule`, `requester_id`, `requester_signature`);
 * the rest is what the product adds.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

export const requesterIdField = z.uuid().meta({
  description:
    'The requesting service (a UUID, case-insensitive; kept in lower case). Results are published with it, in lower case, as routing key.',
});

export const taskIdField = taskIdSchema.meta({
  description: 'A task id: chosen by the client when creating (idempotent retries), else assigned.',
});

export const requestIdField = z
  .string()
  .min(1)
  .max(128)
  .meta({ description: 'Echoed in the reply, to match replies to requests on a shared connection.' });

export const signatureField = z
  .string()
  .max(512)
  .meta({ description: 'base64 signature over the message (docs/security.md): Ed25519 or HMAC-SHA256.' });

export const timestampField = z
  .string()
  .max(64)
  .meta({ description: 'When the request was signed (RFC 3339); refused outside the window (±5 min by default).' });

export const nonceField = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,128}$/, '16-128 characters of A-Z a-z 0-9 _ -')
  .meta({ description: 'Unique per request of a requester (16+ random bytes, base64url): a replay is refused.' });

/** The most a task's `parameters` may hold, as JSON text: they are stored with the task and sent on every fire. */
export const MAX_PARAMETERS_BYTES = 262_144;

export const uriField = z.string().min(1).max(8192).meta({ description: 'Absolute http(s) URL the task calls.' });

export const methodField = z.enum(HTTP_METHODS).meta({ description: 'HTTP method. Default GET.' });

const parametersSize = (value: unknown) =>
  Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)) <= MAX_PARAMETERS_BYTES;

export const parametersField = z
  .union([z.record(z.string(), z.json()), z.string()])
  .refine(parametersSize, `at most ${MAX_PARAMETERS_BYTES} bytes as JSON`)
  .meta({
    description:
      'A JSON object, or a string holding one. GET, HEAD, DELETE: the query string; POST, PUT, PATCH: the JSON body.',
  });

export const headersField = z
  .record(z.string().max(256), z.string().max(8192))
  .refine((headers) => Object.keys(headers).length <= 100, 'at most 100 headers')
  .meta({ description: 'Extra request headers (not Idempotency-Key, User-Agent, X-Br-*, nor framing headers).' });

export const timeoutField = z
  .number()
  .int()
  .min(1)
  .max(600_000)
  .meta({ description: 'Deadline of one attempt in ms. Default: the server’s (30000).' });

/** The call a task makes, as the contract spells it: at the top level of the message. */
export const httpCallFields = {
  uri: uriField,
  method: methodField.optional(),
  parameters: parametersField.optional(),
  headers: headersField.optional(),
  timeout_ms: timeoutField.optional(),
};

export const scheduleField = scheduleInputSchema;
export const policiesField = policiesSchema;

export const statusFilterField = z.union([z.enum(TASK_STATUSES), z.array(z.enum(TASK_STATUSES)).min(1).max(4)]);
export const pageFields = {
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).optional().meta({ description: 'Page size. Default 100.' }),
  cursor: z.string().max(512).optional().meta({ description: '`next_cursor` of the previous page.' }),
};
