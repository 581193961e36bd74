import { StoreError } from '@br-sdk/schedule';

/**
 * The database file is held by another connection: another scheduler process (or another store
 * in this one) has it open. Code `STORE_LOCKED`.
 */
export class StoreLockedError extends StoreError {
  /** The absolute path of the database file. */
  readonly path: string;

  constructor(path: string, options?: { readonly cause?: unknown }) {
    super(
      `cannot open ${path}: another process (or another store in this one) has it open. ` +
        'A SQLite task store serves one scheduler process; stop the other one, or give each its own file',
      { ...options, code: 'STORE_LOCKED' },
    );
    this.path = path;
  }
}

/**
 * The file's schema is not one this version can use: written by a newer version (downgrades are
 * refused, see docs/upgrading.md), or not a task store at all. Code `STORE_SCHEMA_UNSUPPORTED`.
 */
export class StoreSchemaError extends StoreError {
  /** The absolute path of the database file. */
  readonly path: string;
  /** The schema version recorded in the file; null when it has none. */
  readonly found: number | null;
  /** The newest schema version this package reads and writes. */
  readonly supported: number;

  constructor(path: string, found: number | null, supported: number, reason: string) {
    super(`cannot open ${path}: ${reason}`, { code: 'STORE_SCHEMA_UNSUPPORTED' });
    this.path = path;
    this.found = found;
    this.supported = supported;
  }
}
