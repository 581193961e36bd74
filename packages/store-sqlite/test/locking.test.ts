import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore, StoreLockedError } from '../src/index.ts';
import { taskRecord, useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();
const run = promisify(execFile);

/** Opens the store at `path` in another Node process; resolves with what the child reported. */
async function openInChild(path: string): Promise<{ ok: boolean; name?: string; code?: string; message?: string }> {
  const script = join(import.meta.dirname, 'fixtures', 'open-store.ts');
  const { stdout } = await run(process.execPath, ['--conditions=source', script, path]);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

describe('SqliteTaskStore: one process per file', () => {
  it('refuses a second process while the first has the file open, and lets it in after close', async () => {
    const path = tempDbPath();
    const store = await SqliteTaskStore.open({ path });
    await store.insert(taskRecord('from-parent'));

    const refused = await openInChild(path);
    expect(refused).toMatchObject({ ok: false, name: 'StoreLockedError', code: 'STORE_LOCKED' });
    expect(refused.message).toContain(path);
    expect(refused.message).toContain('serves one scheduler process');

    await store.close();
    expect(await openInChild(path)).toEqual({ ok: true });
    await using reopened = await SqliteTaskStore.open({ path });
    expect((await reopened.list({})).tasks.map((t) => t.id.replace(/\d+$/, ''))).toEqual([
      'from-child-',
      'from-parent',
    ]);
  });

  it('refuses a second store on the same file in the same process', async () => {
    const path = tempDbPath();
    await using store = await SqliteTaskStore.open({ path });
    const second = new SqliteTaskStore({ path, busyTimeoutMs: 50 });
    const error = await second.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreLockedError).path).toBe(path);
    expect(((error as Error).cause as { code?: string }).code).toBe('SQLITE_BUSY');
    // Every method of the store that could not open rejects the same way; close() is harmless.
    await expect(second.get('x')).rejects.toBeInstanceOf(StoreLockedError);
    await second.close();
    // The first store is unaffected.
    await store.insert(taskRecord('still-mine'));
    expect(await store.get('still-mine')).toBeDefined();
  });
});
