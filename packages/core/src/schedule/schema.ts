import { z } from 'zod';

/**
 * The wire form of a schedule (snake_case JSON): the one source of truth for its shape. The
 * TypeScript types below are inferred from it and validation runs it; its JSON Schema (for the
 * OpenAPI and AsyncAPI documents and the other languages' connectors) comes from
 * `z.toJSONSchema()` on these same objects, which carry their descriptions as metadata.
 * Semantics are in docs/schedules.md; meaning beyond shape (zones, cron fields, durations, dates)
 * is checked by compile.ts, which reports problems with the same field paths.
 */

const cronField = z
  .union([z.string().min(1).max(256), z.number().int().nonnegative()])
  .meta({ description: 'A cron field (e.g. "0", "1-5", "*/15", "MON,THU"); missing means "*".' });

export const crontabSchema = z
  .strictObject({
    minute: cronField.optional(),
    hour: cronField.optional(),
    day_of_month: cronField.optional(),
    month_of_year: cronField.optional(),
    day_of_week: cronField.optional(),
  })
  .meta({ id: 'Crontab', description: 'A 5-field cron expression as an object (the message contract).' });

const dateTime = z
  .string()
  .max(64)
  .meta({ description: 'RFC 3339 date-time; without an offset it is read in the schedule time zone.' });

export const cronRuleSchema = z.strictObject({
  cron: z.string().min(1).max(1024).meta({ description: 'Cron expression, 5 fields or 6 (seconds first).' }),
});
export const crontabRuleSchema = z.strictObject({ crontab: crontabSchema });
export const everyRuleSchema = z.strictObject({
  every: z.string().max(64).meta({ description: 'ISO 8601 duration, at least 1 second (e.g. "P10DT3H").' }),
  from: dateTime.optional().meta({ description: 'Anchor of the series (fire 0). Default: creation time.' }),
});
export const atRuleSchema = z.strictObject({
  at: dateTime.meta({ description: 'One instant.' }),
});
export const betweenExclusionSchema = z.strictObject({
  between: z
    .tuple([z.string().max(64), z.string().max(64)])
    .meta({ description: 'Two dates (whole days, inclusive) or two date-times ([first, second)).' }),
});

export const ruleSchema = z
  .union([cronRuleSchema, crontabRuleSchema, everyRuleSchema, atRuleSchema])
  .meta({ id: 'Rule', description: 'One rule; a schedule fires at the union of its rules.' });

export const exclusionSchema = z
  .union([cronRuleSchema, crontabRuleSchema, betweenExclusionSchema])
  .meta({ id: 'Exclusion', description: 'A fire matching any exclusion is dropped.' });

export const scheduleSpecSchema = z
  .strictObject({
    timezone: z.string().max(64).optional().meta({ description: 'IANA time zone name. Default "UTC".' }),
    rules: z.array(ruleSchema).min(1).max(1000),
    except: z.array(exclusionSchema).max(1000).optional(),
    start: dateTime.optional().meta({ description: 'Fires at or after this instant only (inclusive).' }),
    end: dateTime.optional().meta({ description: 'Fires before this instant only (exclusive).' }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .meta({ description: 'At most this many fires, counted from the beginning of the schedule.' }),
  })
  .meta({ id: 'ScheduleSpec', description: 'A schedule: the union of its rules, minus exclusions, within bounds.' });

/** What every channel accepts as a schedule: the full object, or the contract's crontab / crontab list. */
export const scheduleInputSchema = z
  .union([scheduleSpecSchema, crontabSchema, z.array(crontabSchema).min(1).max(1000)])
  .meta({ id: 'ScheduleInput' });

export type Crontab = z.input<typeof crontabSchema>;
export type CronRule = z.input<typeof cronRuleSchema>;
export type CrontabRule = z.input<typeof crontabRuleSchema>;
export type EveryRule = z.input<typeof everyRuleSchema>;
export type AtRule = z.input<typeof atRuleSchema>;
export type BetweenExclusion = z.input<typeof betweenExclusionSchema>;
export type Rule = z.input<typeof ruleSchema>;
export type Exclusion = z.input<typeof exclusionSchema>;
/** A schedule in its wire form (docs/schedules.md). */
export type ScheduleSpec = z.input<typeof scheduleSpecSchema>;
/** A schedule as any channel accepts it: a {@link ScheduleSpec}, a {@link Crontab}, or a list of crontabs. */
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

/** The branches of the rule and exclusion unions by the key that selects each, for error reports. */
export function scheduleUnionBranches(path: readonly PropertyKey[]): Readonly<Record<string, z.ZodType>> | undefined {
  const parent = path[path.length - 2];
  if (parent === 'rules')
    return { cron: cronRuleSchema, crontab: crontabRuleSchema, every: everyRuleSchema, at: atRuleSchema };
  if (parent === 'except') return { cron: cronRuleSchema, crontab: crontabRuleSchema, between: betweenExclusionSchema };
  return undefined;
}
