import { SchedulerError, StoreError } from '@br-sdk/schedule';
import { TABLE } from './keys.ts';

/**
 * Marks "a store transaction is open" on the connection. Temp objects live only in this
 * connection, so they add nothing to the file.
 */
const MARKER = 'br_schedule_transaction_open';

/**
 * Run once per connection at open. The writes of a batch run concurrently on the connection (see
 * {@link GroupCommit}), and after some errors (SQLITE_FULL, SQLITE_IOERR…) SQLite rolls the whole
 * transaction back on its own: a write of the batch still in flight would then run in autocommit
 * mode and be committed by itself, while the batch is reported failed. These triggers refuse any
 * write to the table unless the marker row, inserted right after BEGIN and undone with the
 * transaction, is there, so a write can only ever land inside a store transaction.
 */
export const TRANSACTION_GUARD_SQL: readonly string[] = [
  `CREATE TEMP TABLE IF NOT EXISTS ${MARKER} (open INTEGER NOT NULL)`,
  ...['INSERT', 'UPDATE', 'DELETE'].map(
    (event) =>
      `CREATE TEMP TRIGGER IF NOT EXISTS br_schedule_guard_${event.toLowerCase()} BEFORE ${event} ON ${TABLE} ` +
      `WHEN NOT EXISTS (SELECT 1 FROM temp.${MARKER}) ` +
      `BEGIN SELECT RAISE(ABORT, 'write outside a store transaction'); END`,
  ),
];

/** Counters since the store was opened. */
export interface GroupCommitStats {
  /** Transactions committed. */
  readonly transactions: number;
  /** Transactions rolled back because a write in them, or the commit, failed. */
  readonly failedTransactions: number;
  /** Writes acknowledged (committed), over all transactions. */
  readonly writes: number;
  /** The most writes committed in one transaction. */
  readonly largestBatch: number;
}

interface PendingWrite {
  readonly locks: readonly string[];
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Runs one statement on the store's connection. */
  readonly exec: (sql: string) => Promise<unknown>;
  readonly maxBatchSize: number;
  /** Names the store in messages: `SQLite store /var/lib/x.db`. */
  readonly label: string;
}

/**
 * A write the caller asked for that cannot be done (a conflicting id): the write function throws
 * it before writing anything, so it rejects that write alone and the transaction goes on.
 */
function isCallerError(error: unknown): boolean {
  return error instanceof SchedulerError && !(error instanceof StoreError);
}

/** `failure` of a transaction in which nothing failed. */
const NONE = Symbol('no failure');
/** How a write that was not started, because an earlier one failed, ends. */
const SKIPPED = Symbol('skipped');

/**
 * Group commit over the store's single SQLite connection. Writes are queued; one transaction
 * (BEGIN … COMMIT) commits everything queued, so one fsync acknowledges a whole batch, and writes
 * arriving during a commit go into the next transaction. A write's promise resolves only after
 * COMMIT returned, i.e. once the write is durable; if any write of a transaction or the COMMIT
 * fails, the transaction is rolled back and every write in it rejects with a StoreError.
 *
 * node-sqlite3 runs the statements it is given concurrently (nothing calls `serialize()` on the
 * connection @keyv/sqlite made), so order is kept by awaiting: BEGIN before the writes, the writes
 * before COMMIT, and writes that touch the same keys (their `locks`) one after another in arrival
 * order. Writes to different keys overlap, which is what makes a batch fast.
 *
 * Reads never run while a transaction is open: on the shared connection they would see writes not
 * yet committed, which might still roll back. A read waits for the open transaction (one commit at
 * most) and a transaction waits for the reads in progress.
 */
export class GroupCommit {
  private readonly exec: (sql: string) => Promise<unknown>;
  private readonly maxBatchSize: number;
  private readonly label: string;
  private readonly queue: PendingWrite[] = [];
  private flushing = false;
  /** From the moment a batch is taken until its COMMIT or ROLLBACK has returned. */
  private batchOpen = false;
  private activeReads = 0;
  private readonly waitingReads: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Set when a ROLLBACK failed: the connection's state is unknown, so nothing else may run. */
  private broken: StoreError | null = null;
  private counters = { transactions: 0, failedTransactions: 0, writes: 0, largestBatch: 0 };

  constructor(options: GroupCommitOptions) {
    this.exec = options.exec;
    this.maxBatchSize = options.maxBatchSize;
    this.label = options.label;
  }

  get stats(): GroupCommitStats {
    return { ...this.counters };
  }

  /**
   * Queues `run` for the next transaction; resolves with its result once that transaction is
   * committed. `locks` are the keys `run` reads or writes: writes sharing one run in order.
   */
  write<T>(locks: readonly string[], run: () => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ locks, run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) {
        this.flushing = true;
        // A turn of the event loop lets every write started in the same tick join the batch.
        setImmediate(() => {
          this.flush().catch((error: unknown) => this.fail(error));
        });
      }
    });
  }

  /** Runs `run` when no transaction is open (so it sees committed data only). */
  async read<T>(run: () => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) throw refused;
    if (this.batchOpen) await new Promise<void>((admit) => this.waitingReads.push(admit));
    else this.activeReads++;
    try {
      return await run();
    } finally {
      this.activeReads--;
      this.notifyIdle();
    }
  }

  /** Refuses new work, then waits until every queued write is committed (or failed) and every read done. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.activeReads > 0 || this.waitingReads.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private refusal(): StoreError | null {
    if (this.broken) return this.broken;
    if (this.closed) return new StoreError(`${this.label} is closed`);
    return null;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && this.broken === null) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.batchOpen = true;
      while (this.activeReads > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await this.commit(batch);
      this.batchOpen = false;
      // Admitted (and counted) now, so the next batch waits for them instead of starving them.
      for (const admit of this.waitingReads.splice(0)) {
        this.activeReads++;
        admit();
      }
    }
    if (this.broken) for (const write of this.queue.splice(0)) write.reject(this.broken);
    this.flushing = false;
    this.notifyIdle();
  }

  /** flush() handles every error of SQLite itself; this is for a bug, so that no write waits forever. */
  private fail(error: unknown): void {
    this.broken ??= new StoreError(`${this.label} is unusable after an internal error; reopen the store`, {
      cause: error,
    });
    for (const write of this.queue.splice(0)) write.reject(this.broken);
    this.batchOpen = false;
    this.flushing = false;
    for (const admit of this.waitingReads.splice(0)) {
      this.activeReads++;
      admit();
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async commit(batch: readonly PendingWrite[]): Promise<void> {
    let failure: unknown = NONE;
    let begun = false;
    let results: PromiseSettledResult<unknown>[] = [];
    try {
      await this.exec('BEGIN IMMEDIATE');
      begun = true;
      await this.exec(`INSERT INTO temp.${MARKER} VALUES (1)`);
      const run = await this.runWrites(batch);
      results = run.results;
      failure = run.failure;
      if (failure === NONE) {
        await this.exec(`DELETE FROM temp.${MARKER}`);
        await this.exec('COMMIT');
      }
    } catch (error) {
      failure = error;
    }
    if (failure === NONE) {
      this.counters.transactions++;
      this.counters.writes += batch.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
      batch.forEach((write, i) => {
        const result = results[i];
        if (result?.status === 'fulfilled') write.resolve(result.value);
        else write.reject(result?.reason);
      });
      return;
    }
    this.counters.failedTransactions++;
    if (begun) await this.rollback();
    const cause = failure instanceof StoreError && failure.cause !== undefined ? failure.cause : failure;
    const message = failure instanceof Error ? failure.message : String(failure);
    // The failing write's StoreError already names the store.
    const reason = message.startsWith(`${this.label}: `) ? message.slice(this.label.length + 2) : message;
    const error = new StoreError(
      `${this.label}: a transaction of ${batch.length} write(s) failed and was rolled back; none of them was written (${reason})`,
      { cause },
    );
    for (const write of batch) write.reject(error);
  }

  /** Runs the batch's writes, overlapping those with disjoint locks; stops starting new ones after a failure. */
  private async runWrites(
    batch: readonly PendingWrite[],
  ): Promise<{ results: PromiseSettledResult<unknown>[]; failure: unknown }> {
    let failure: unknown = NONE;
    const tails = new Map<string, Promise<unknown>>();
    const runs = batch.map((write) => {
      const before = write.locks.flatMap((lock) => tails.get(lock) ?? []);
      const started = before.length === 0 ? Promise.resolve() : Promise.allSettled(before);
      const run = started.then(() => {
        if (failure !== NONE) throw SKIPPED;
        return write.run();
      });
      run.catch((error: unknown) => {
        if (failure === NONE && error !== SKIPPED && !isCallerError(error)) failure = error;
      });
      for (const lock of write.locks) tails.set(lock, run);
      return run;
    });
    const results = await Promise.allSettled(runs);
    return { results, failure };
  }

  private async rollback(): Promise<void> {
    try {
      await this.exec('ROLLBACK');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // After SQLITE_FULL, SQLITE_IOERR and the like SQLite may have rolled back by itself.
      if (message.includes('no transaction is active')) return;
      this.broken = new StoreError(
        `${this.label} is unusable: a failed transaction could not be rolled back (${message}); reopen the store`,
        { cause: error },
      );
    }
  }
}
