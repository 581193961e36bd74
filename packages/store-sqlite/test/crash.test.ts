import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteTaskStore } from '../src/index.ts';
import { useTempDir } from './helpers.ts';

const { tempDbPath } = useTempDir();

/** Runs the writer child until it has acknowledged `acks` inserts, then kills it with SIGKILL. */
function writeThenKill(path: string, acks: number): Promise<string[]> {
  const script = join(import.meta.dirname, 'fixtures', 'write-until-killed.ts');
  const child = spawn(process.execPath, ['--conditions=source', script, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const acknowledged: string[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      acknowledged.push(...lines);
      if (acknowledged.length >= acks && child.pid !== undefined && child.exitCode === null) {
        process.kill(child.pid, 'SIGKILL');
      }
    });
    child.on('error', reject);
    // Lines already read when the kill lands count too: each was printed after its ack.
    child.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(acknowledged) : reject(new Error(`writer exited without being killed`)),
    );
  });
}

describe('SqliteTaskStore: crash', () => {
  it('keeps every acknowledged insert when the process is killed mid-stream', async () => {
    const path = tempDbPath();
    const acknowledged = await writeThenKill(path, 3000);
    expect(acknowledged.length).toBeGreaterThanOrEqual(3000);

    await using store = await SqliteTaskStore.open({ path });
    const [row] = (await store.raw.adapter.query(
      "SELECT count(*) AS n FROM keyv WHERE key >= 'task:' AND key < 'task;'",
    )) as { n: number }[];
    // Some writes in flight at the kill may have committed without their ack being printed.
    expect(row?.n).toBeGreaterThanOrEqual(acknowledged.length);
    const missing: string[] = [];
    for (const id of acknowledged) if ((await store.get(id)) === undefined) missing.push(id);
    expect(missing).toEqual([]);
  });
});
