/**
 * The key layout of the store's one table. Every entry is a keyv key and a keyv value (JSON text
 * `{"value":…}`); the prefix says what the entry is:
 *
 * | key                             | value                         |
 * | ------------------------------- | ----------------------------- |
 * | `task:<task id>`                | the TaskRecord                |
 * | `run:<encoded task id>:<run id>`| a RunResult of that task      |
 * | `outbox:<run id>`               | an OutboxEntry                |
 * | `meta:schema_version`           | the schema version (a number) |
 *
 * Entries of one kind, and the runs of one task, are contiguous in key order, so a range on the
 * primary key (`key > 'task:' AND key < 'task;'`, `;` being the character after `:`) finds them
 * with an index seek. LIKE would not use the index (SQLite's LIKE is case-insensitive by default).
 */

/** SQLite table of the store (the @keyv/sqlite default, so keyv tooling finds the entries). */
export const TABLE = 'keyv';

export const SCHEMA_VERSION_KEY = 'meta:schema_version';

export const TASK_PREFIX = 'task:';
/** Upper bound of the task range: the first key after every `task:…`. */
export const TASK_END = 'task;';
export const OUTBOX_PREFIX = 'outbox:';
export const OUTBOX_END = 'outbox;';

export function taskKey(id: string): string {
  return TASK_PREFIX + id;
}

export function outboxKey(runId: string): string {
  return OUTBOX_PREFIX + runId;
}

/**
 * Task ids may contain `:` (and ids from a custom `newId` anything), so the task id in a run key is
 * escaped: otherwise the runs of task `a` (`run:a:…`) would share a prefix with those of `a:b`.
 * Only `%` and `:` change, and the encoded prefix ends at the first raw `:`.
 */
export function runPrefix(taskId: string): string {
  return `run:${taskId.replaceAll('%', '%25').replaceAll(':', '%3A')}:`;
}

/** The first key after every run of the task whose {@link runPrefix} is `prefix`. */
export function runEnd(prefix: string): string {
  return `${prefix.slice(0, -1)};`;
}

/** Expressions on the stored JSON; the indexes in schema.ts repeat them verbatim, so queries use them. */
export const REQUESTER_EXPR = "json_extract(value, '$.value.requester_id')";
export const STATUS_EXPR = "json_extract(value, '$.value.status')";
export const IN_FLIGHT_EXPR = "json_array_length(value, '$.value.in_flight')";
/** A literal, not a parameter: a partial index is used only when the query repeats its WHERE terms. */
export const TASK_RANGE = `key >= '${TASK_PREFIX}' AND key < '${TASK_END}'`;
