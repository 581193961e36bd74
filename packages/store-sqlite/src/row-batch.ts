/** One row of the table as written: the key and keyv's JSON text `{"value":…}`. */
export type Row = readonly [key: string, text: string];

/**
 * Collects the rows written by calls made in the same turn of the microtask queue and writes them
 * with one statement. The writes of a group commit start together and call in one turn; node-sqlite3
 * prepares, runs and calls back per statement (about 100 µs of wall time, and a trip through the
 * event loop, each), so one statement per write capped a batch of 1,000 registrations at ~9,000/s.
 */
export class RowBatch<Result> {
  private readonly write: (rows: readonly Row[]) => Promise<Result>;
  private pending: { readonly rows: Row[]; readonly done: Promise<Result> } | null = null;

  constructor(write: (rows: readonly Row[]) => Promise<Result>) {
    this.write = write;
  }

  /** Queues `row`; resolves with the statement's result and the row's index in it. */
  add(row: Row): { readonly done: Promise<Result>; readonly index: number } {
    if (this.pending === null) {
      const rows: Row[] = [];
      // nextTick runs once the microtask queue is empty: every write whose turn came has called.
      const done = new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
        this.pending = null;
        return this.write(rows);
      });
      this.pending = { rows, done };
    }
    return { done: this.pending.done, index: this.pending.rows.push(row) - 1 };
  }
}
