import { z } from 'zod';
import { scheduleSpecSchema } from '../schedule/schema.ts';
import { TASK_STATUSES } from '../scheduler/task.ts';
import { HTTP_METHODS, parametersField, requesterIdField, signatureField } from './fields.ts';

/**
 * What the scheduler sends back: tasks (with their next fires and last outcome), runs, and the
 * result message each requester receives. Schemas of outputs: they document, and tests check the
 * server's answers against them.
 */

const instant = z.string().meta({ description: 'RFC 3339 UTC instant.' });

export const runResultSchema = z
  .object({
    task_id: z.string(),
    requester_id: z.string(),
    run_id: z.string().meta({ description: 'Unique per occurrence; the same across its attempts and re-runs.' }),
    trigger: z.enum(['schedule', 'manual']),
    scheduled_at: instant,
    fired_at: instant,
    finished_at: instant,
    attempts: z.number().int().min(1),
    status: z.enum(['success', 'failed']).meta({ description: "'success' iff the last attempt got a 2xx." }),
    http_status: z.number().int().nullable(),
    content: z.string().nullable().meta({ description: 'The response body as text, cut at 64 KiB.' }),
    truncated: z.boolean(),
    error: z.string().nullable().meta({ description: 'Why it failed: network error, timeout, status.' }),
  })
  .meta({ id: 'RunResult', description: 'The outcome of one occurrence, after its last attempt.' });

export const taskViewSchema = z
  .object({
    id: z.string(),
    requester_id: z.string(),
    status: z.enum(TASK_STATUSES),
    schedule: scheduleSpecSchema,
    target: z
      .looseObject({ kind: z.string() })
      .meta({ description: 'What the task calls (`kind: http`: uri, method, …).' }),
    policies: z.object({
      retry: z.object({ max_attempts: z.number(), backoff_base_ms: z.number(), backoff_cap_ms: z.number() }),
      misfire: z.object({ catch_up: z.enum(['latest', 'all', 'none']), grace_ms: z.number().nullable() }),
      overlap: z.enum(['allow', 'skip', 'queue_one']),
    }),
    created_at: instant,
    updated_at: instant,
    next_fire_at: instant.nullable(),
    next_fires: z.array(instant).meta({ description: 'The next few fires (up to 5), soonest first.' }),
    fire_count: z.number().int(),
    last_run: runResultSchema.nullable(),
    in_flight: z.array(
      z.object({ run_id: z.string(), scheduled_at: instant, trigger: z.enum(['schedule', 'manual']) }),
    ),
    deliver_to: z.array(z.string()).optional(),
  })
  .meta({ id: 'Task', description: 'A task: its state, what it calls, its next fires and how its last run went.' });

export const resultMessageSchema = runResultSchema
  .extend({
    uri: z.string().nullable().meta({ description: 'The URL the task called (null for function targets).' }),
    method: z.enum(HTTP_METHODS).nullable(),
    parameters: parametersField.nullable(),
    requester_id: requesterIdField.or(z.string()),
    scheduler_signature: signatureField.nullable().meta({
      description:
        "The scheduler's Ed25519 signature of the message (docs/security.md); null only where no signing key is set (embedded use).",
    }),
  })
  .meta({
    id: 'ResultMessage',
    description: "A run's result, sent to its requester (AMQP routing key = requester_id; WebSocket subscription).",
  });

export type TaskView = z.output<typeof taskViewSchema>;
export type ResultMessage = z.output<typeof resultMessageSchema>;
