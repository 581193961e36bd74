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
  description: 'The requesting service (a UUID). Results are published with it as routing key.',
});

export const taskIdField = taskIdSchema.meta({
  description: 'A task id: chosen by the client when creating (idempotent retries), else assigned.',
});

export const requestIdField = z
  .string()
  .min(1)
  .max(128)
  .meta({ description: 'Echoed in the reply, to match replies to requests on a shared connection.' });

export const signatureField = z.string().max(8192);

export const uriField = z.string().min(1).max(8192).meta({ description: 'Absolute http(s) URL the task calls.' });

export const methodField = z.enum(HTTP_METHODS).meta({ description: 'HTTP method. Default GET.' });

export const parametersField = z.union([z.record(z.string(), z.json()), z.string().max(1_048_576)]).meta({
  description:
    'A JSON object, or a string holding one. GET, HEAD, DELETE: the query string; POST, PUT, PATCH: the JSON body.',
});

export const headersField = z
  .record(z.string(), z.string())
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
