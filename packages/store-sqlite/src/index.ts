/**
 * The public surface of @br-sdk/schedule-sqlite. Everything not listed here is internal.
 */

export { StoreLockedError, StoreSchemaError } from './errors.ts';
export type { GroupCommitStats } from './group-commit.ts';
export {
  type ResolvedSqliteStoreOptions,
  resolveSqliteStoreOptions,
  type SqliteStoreOptions,
  type SynchronousMode,
} from './options.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { SqliteTaskStore } from './sqlite-task-store.ts';
