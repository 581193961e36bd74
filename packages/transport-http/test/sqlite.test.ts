import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '@br-sdk/schedule';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { SqliteTaskStore } from '@br-sdk/schedule-sqlite';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpTransport, WebSocketResultChannel } from '../src/index.ts';
import { client, connect, requester, startTarget, waitFor } from './helpers.ts';

/** The sidecar's composition, on a SQLite file. */
async function open(path: string) {
  const store = await SqliteTaskStore.open({ path });
  const resultChannel = new WebSocketResultChannel();
  const executor = new HttpExecutor();
  const scheduler = new Scheduler({ store, executors: [executor], channels: [resultChannel] });
  scheduler.on('error', () => {});
  const transport = new HttpTransport({ scheduler, resultChannel, port: 0 });
  await scheduler.start();
  const { url } = await transport.start();
  const close = async () => {
    await transport.stop();
    await scheduler.stop({ timeoutMs: 0 });
    await executor.close();
    await store.close();
  };
  return { store, url, close };
}

describe('with the SQLite store', () => {
  it('a result not acknowledged before a restart is replayed from the file to the next subscriber', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-http-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'tasks.db');
    const target = await startTarget();
    const requesterId = requester();

    const first = await open(path);
    const ws = await connect(first.url);
    ws.send({ requester_id: requesterId, schedule: { minute: '0' }, uri: `${target.url}/` });
    const { task } = await ws.next();
    const { run_id } = (await client(first.url)('POST', `/v1/tasks/${task.id}/trigger`)).body;
    await waitFor(async () => (await first.store.listOutbox({ limit: 10 })).length === 1, 5000, 'the result');
    await first.close();

    const second = await open(path);
    onTestFinished(() => second.close());
    expect((await client(second.url)('GET', `/v1/tasks/${task.id}`)).body.last_run).toMatchObject({ run_id });
    const again = await connect(second.url);
    again.send({ type: 'subscribe', requester_id: requesterId });
    expect(await again.next()).toMatchObject({ type: 'subscribed' });
    const result = await again.next();
    expect(result).toMatchObject({
      type: 'result',
      cursor: run_id,
      result: { task_id: task.id, uri: `${target.url}/` },
    });
    again.send({ type: 'ack', cursor: run_id });
    await waitFor(async () => (await second.store.listOutbox({ limit: 10 })).length === 0, 5000, 'the outbox to empty');
  });
});
