import { type ResultChannel, Scheduler } from '@br-sdk/schedule';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { HttpTransport } from '../src/index.ts';
import { client, connect, requester, startStack, startTarget, waitFor } from './helpers.ts';

describe('shutdown: stopAccepting(), then scheduler.stop(), then stop()', () => {
  it('refuses requests, keeps subscriptions and acks, releases results nobody waits for, and lets scheduler.stop() finish', async () => {
    const { url, api, scheduler, store, transport, resultChannel } = await startStack();
    const target = await startTarget();
    const listening = requester();
    const absent = requester();
    const ws = await connect(url);
    ws.send({ type: 'subscribe', requester_id: listening });
    await ws.next();
    ws.send({ requester_id: listening, schedule: { minute: '0' }, uri: `${target.url}/a` });
    const mine = (await ws.next()).task;
    ws.send({ requester_id: absent, schedule: { minute: '0' }, uri: `${target.url}/b` });
    const theirs = (await ws.next()).task;
    await scheduler.trigger(theirs.id);
    await waitFor(() => resultChannel.pending === 1, 5000, 'the parked result');

    await transport.stopAccepting({ ackTimeoutMs: 10_000 });
    // Nobody listens for `absent`: its result is released (it stays in the outbox for the next start).
    expect(resultChannel.pending).toBe(0);

    const rest = await api('GET', '/v1/tasks');
    expect(rest.status).toBe(503);
    expect(rest.body).toMatchObject({ code: 'NOT_READY' });
    const ready = await api('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ checks: { scheduler: true, accepting: false }, failed: ['accepting'] });
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/metrics')).status).toBe(200);

    const late = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
    const refused = await new Promise<number | undefined>((resolve) =>
      late.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    );
    expect(refused).toBe(503);

    ws.send({ op: 'list', request_id: 'r-late' });
    expect(await ws.next()).toMatchObject({
      type: 'reply',
      ok: false,
      op: 'list',
      request_id: 'r-late',
      error: { code: 'SCHEDULER_NOT_RUNNING' },
    });

    // A run finishing during the drain still reaches the connected subscriber, and its ack confirms it.
    const { run_id } = await scheduler.trigger(mine.id);
    const result = await ws.next();
    expect(result).toMatchObject({ type: 'result', cursor: run_id });
    ws.send({ type: 'ack', cursor: run_id });
    await waitFor(async () => (await store.listOutbox({ limit: 10 })).length === 1, 5000, 'the ack to confirm');

    await scheduler.stop();
    const left = await store.listOutbox({ limit: 10 });
    expect(left.map((e) => e.result.task_id)).toEqual([theirs.id]);
  });

  it('a result sent to a subscriber that never acks is released after ackTimeoutMs', async () => {
    const { url, scheduler, store, transport } = await startStack();
    const target = await startTarget();
    const silent = requester();
    const ws = await connect(url);
    ws.send({ type: 'subscribe', requester_id: silent });
    await ws.next();
    ws.send({ requester_id: silent, schedule: { minute: '0' }, uri: `${target.url}/` });
    const { task } = await ws.next();
    await transport.stopAccepting({ ackTimeoutMs: 50 });
    await scheduler.trigger(task.id);
    expect(await ws.next()).toMatchObject({ type: 'result' });
    await scheduler.stop();
    expect(await store.listOutbox({ limit: 10 })).toHaveLength(1);
  });
});

describe('composition without a resultChannel option', () => {
  it('the transport makes its own channel; a Scheduler channel named ws forwarding to it delivers', async () => {
    // The sidecar's way: the Scheduler needs its channels before the transport exists.
    let http: HttpTransport | undefined;
    const forwarding: ResultChannel = {
      name: 'ws',
      deliver: (result) => (http ? http.resultChannel.deliver(result) : Promise.reject(new Error('no transport'))),
    };
    const executor = new HttpExecutor();
    const scheduler = new Scheduler({ executors: [executor], channels: [forwarding] });
    scheduler.on('error', () => {});
    http = new HttpTransport({ scheduler, port: 0 });
    await scheduler.start();
    const { url } = await http.start();
    const transport = http;
    onTestFinished(async () => {
      await transport.stopAccepting();
      await scheduler.stop({ timeoutMs: 0 });
      await transport.stop();
      await executor.close();
    });
    expect(transport.resultChannel.name).toBe('ws');

    const target = await startTarget();
    const requesterId = requester();
    const ws = await connect(url);
    ws.send({ type: 'subscribe', requester_id: requesterId });
    await ws.next();
    ws.send({ requester_id: requesterId, schedule: { minute: '0' }, uri: `${target.url}/` });
    const { task } = await ws.next();
    const { run_id } = (await client(url)('POST', `/v1/tasks/${task.id}/trigger`)).body;
    expect(await ws.next()).toMatchObject({ type: 'result', cursor: run_id, result: { uri: `${target.url}/` } });
  });
});
