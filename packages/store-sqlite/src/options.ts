import { resolve } from 'node:path';
import { InvalidArgumentError, type ValidationIssue } from '@br-sdk/schedule';

/**
 * How hard a commit waits for the disk (SQLite's `PRAGMA synchronous`, in WAL mode):
 * - `'full'`: every commit is fsynced before its writes are acknowledged. An acknowledged write
 *   survives a process crash, an OS crash and a power loss.
 * - `'normal'`: commits are written to the WAL but fsynced only at checkpoints. An acknowledged
 *   write survives a process crash (the OS has it), but the last commits before an OS crash or a
 *   power loss may be lost. The database itself is never corrupted either way.
 */
export type SynchronousMode = 'full' | 'normal';

export interface SqliteStoreOptions {
  /**
   * The database file (a filesystem path, not a URI). Created, with its directory, if missing.
   * A relative path is resolved against the working directory when the store is constructed.
   * SQLite keeps a write-ahead log beside it (`<path>-wal`) while the store is open.
   */
  readonly path: string;
  /** See {@link SynchronousMode}. @default 'full' */
  readonly synchronous?: SynchronousMode;
  /**
   * How long opening waits, in ms, for another connection that holds the file (a previous process
   * still shutting down) before it fails with StoreLockedError. @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * The most writes committed in one transaction (group commit). Writes that arrive while a
   * transaction commits wait for the next one, so one fsync acknowledges many writes.
   * @default 2000
   */
  readonly maxBatchSize?: number;
}

/** Options with every default filled in and `path` made absolute. */
export interface ResolvedSqliteStoreOptions {
  readonly path: string;
  readonly synchronous: SynchronousMode;
  readonly busyTimeoutMs: number;
  readonly maxBatchSize: number;
}

const SYNCHRONOUS_MODES: readonly SynchronousMode[] = ['full', 'normal'];
/** SQLite takes the busy timeout as a C int of ms; a day is more than any restart needs. */
const MAX_BUSY_TIMEOUT_MS = 86_400_000;
/** Past this a transaction mostly grows the page cache and the latency of its first write. */
const MAX_BATCH_SIZE = 100_000;

function checkInteger(issues: ValidationIssue[], path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    issues.push({ path, message: `expected a whole number from ${min} to ${max}, got ${String(value)}` });
  }
}

function checkPath(issues: ValidationIssue[], path: unknown): void {
  if (typeof path !== 'string' || path.trim() === '') {
    issues.push({ path: 'path', message: `expected the path of a database file, got ${JSON.stringify(path)}` });
  } else if (path === ':memory:' || path.startsWith('file:')) {
    // ':memory:' would silently lose every task at exit, and a `file:` URI could carry
    // parameters (mode=ro, cache=shared) that defeat the store's locking and durability.
    issues.push({
      path: 'path',
      message: `expected a filesystem path, got '${path}' (for a store that lives in memory use MemoryTaskStore)`,
    });
  }
}

/** Fills defaults and checks every option once; throws InvalidArgumentError naming each bad one. */
export function resolveSqliteStoreOptions(options: SqliteStoreOptions): ResolvedSqliteStoreOptions {
  const issues: ValidationIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('invalid SQLite store options', [
      { path: '', message: 'expected an object with at least `path`' },
    ]);
  }
  const synchronous = options.synchronous ?? 'full';
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const maxBatchSize = options.maxBatchSize ?? 2000;
  checkPath(issues, options.path);
  if (!SYNCHRONOUS_MODES.includes(synchronous)) {
    issues.push({
      path: 'synchronous',
      message: `expected one of ${SYNCHRONOUS_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(synchronous)}`,
    });
  }
  checkInteger(issues, 'busyTimeoutMs', busyTimeoutMs, 0, MAX_BUSY_TIMEOUT_MS);
  checkInteger(issues, 'maxBatchSize', maxBatchSize, 1, MAX_BATCH_SIZE);
  if (issues.length > 0) throw new InvalidArgumentError('invalid SQLite store options', issues);
  return { path: resolve(options.path), synchronous, busyTimeoutMs, maxBatchSize };
}
