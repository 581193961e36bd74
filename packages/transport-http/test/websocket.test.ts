import { connect as netConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connect, requester, startStack, startTarget, waitFor } from './helpers.ts';

const task = (requesterId: string, uri: string) => ({
  request_id: 'r-create',
  requester_id: requesterId,
  schedule: { minute: '0' },
  uri,
});

describe('WebSocket /v1/ws: requests', () => {
  it('answers each request with its reply, request_id echoed, type reply', async () => {
    const { url } = await startStack();
    const ws = await connect(url);
    const requesterId = requester();
    ws.send(task(requesterId, 'http://127.0.0.1:9/'));
    const created = await ws.next();
    expect(created).toMatchObject({ type: 'reply', ok: true, op: 'create', request_id: 'r-create' });
    expect(created.task).toMatchObject({ requester_id: requesterId, status: 'active', deliver_to: ['ws'] });
    expect(created.task.next_fires).toHaveLength(5);

    ws.send({ type: 'request', op: 'get', request_id: 'r-get', task_id: created.task.id });
    expect(await ws.next()).toMatchObject({ type: 'reply', ok: true, op: 'get', request_id: 'r-get' });

    ws.send({ op: 'get', request_id: 'r-missing', task_id: 'nope' });
    expect(await ws.next()).toEqual({
      type: 'reply',
      ok: false,
      op: 'get',
      request_id: 'r-missing',
      error: { code: 'TASK_NOT_FOUND', message: 'task nope not found', issues: [] },
    });

    ws.send({
      op: 'create',
      request_id: 'r-bad',
      requester_id: requesterId,
      schedule: [{ minute: '99' }],
      uri: 'http://127.0.0.1:9/',
    });
    const bad = await ws.next();
    expect(bad).toMatchObject({ type: 'reply', ok: false, request_id: 'r-bad', error: { code: 'SCHEDULE_INVALID' } });
    expect(bad.error.issues[0].path).toBe('schedule[0].minute');

    ws.send({ op: 'explode', request_id: 'r-op' });
    expect(await ws.next()).toMatchObject({ type: 'reply', ok: false, error: { code: 'UNKNOWN_OPERATION' } });
  });

  it('answers malformed frames with an error frame and keeps the connection', async () => {
    const { url } = await startStack();
    const ws = await connect(url);
    ws.send('not json');
    expect(await ws.next()).toMatchObject({ type: 'error', error: { code: 'MALFORMED_MESSAGE' } });
    ws.send('[1,2]');
    expect(await ws.next()).toMatchObject({ type: 'error', error: { code: 'MALFORMED_MESSAGE' } });
    ws.send({ type: 'dance' });
    expect(await ws.next()).toMatchObject({
      type: 'error',
      error: { code: 'MALFORMED_MESSAGE', issues: [{ path: 'type' }] },
    });
    ws.send({ type: 'subscribe' });
    expect(await ws.next()).toMatchObject({ type: 'error', error: { issues: [{ path: 'requester_id' }] } });
    ws.socket.send(Buffer.from('{}'), { binary: true });
    expect(await ws.next()).toMatchObject({ type: 'error', error: { code: 'MALFORMED_MESSAGE' } });

    ws.send({ op: 'list', request_id: 'still-here' });
    expect(await ws.next()).toMatchObject({ type: 'reply', ok: true, request_id: 'still-here', tasks: [] });
  });

  it('closes the connection (1009) on a frame over the limit, and refuses other paths', async () => {
    const { url } = await startStack({ http: { bodyLimit: 4096 } });
    const ws = await connect(url);
    ws.send({ op: 'list', request_id: 'x'.repeat(5000) });
    expect(await ws.closed).toBe(1009);

    const elsewhere = new WebSocket(`${url.replace('http', 'ws')}/v1/other`);
    const status = await new Promise<number | undefined>((resolve) =>
      elsewhere.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    );
    expect(status).toBe(404);
  });

  it('drops a peer that stops answering pings', async () => {
    const { url, transport } = await startStack({ http: { keepaliveMs: 50 } });
    const { port } = transport.address ?? { port: 0 };
    // A raw client that completes the handshake and then never reads or answers again.
    const socket = netConnect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    // Read (and drop) what arrives, pings included, so the server's close reaches us.
    socket.resume();
    const alive = await connect(url);
    await closed;
    // A live client answers its pings and stays.
    alive.send({ op: 'list', request_id: 'alive' });
    expect(await alive.next()).toMatchObject({ request_id: 'alive', ok: true });
  });
});

describe('WebSocket /v1/ws: results', () => {
  it('subscribe → result → ack: the ack confirms the result and empties the outbox', async () => {
    const { url, store, resultChannel } = await startStack();
    const target = await startTarget();
    const ws = await connect(url);
    const requesterId = requester();
    ws.send({ type: 'subscribe', requester_id: requesterId });
    expect(await ws.next()).toEqual({ type: 'subscribed', requester_id: requesterId });

    ws.send({ ...task(requesterId, `${target.url}/hook`), method: 'POST', parameters: '{"a":1}' });
    const { task: created } = await ws.next();
    ws.send({ op: 'trigger', request_id: 'r-trigger', task_id: created.id });
    const triggered = await ws.next();
    expect(triggered).toMatchObject({ type: 'reply', ok: true, op: 'trigger' });

    const result = await ws.next();
    expect(result).toMatchObject({
      type: 'result',
      cursor: triggered.run_id,
      result: {
        task_id: created.id,
        requester_id: requesterId,
        run_id: triggered.run_id,
        trigger: 'manual',
        status: 'success',
        http_status: 200,
        uri: `${target.url}/hook`,
        method: 'POST',
        parameters: '{"a":1}',
        scheduler_signature: null,
      },
    });
    expect(await store.listOutbox({ limit: 100 })).toHaveLength(1);
    expect(resultChannel.pending).toBe(1);

    ws.send({ type: 'ack', cursor: result.cursor });
    await waitFor(async () => (await store.listOutbox({ limit: 100 })).length === 0, 5000, 'the outbox to empty');
    expect(resultChannel.pending).toBe(0);
    // A duplicate ack is harmless.
    ws.send({ type: 'ack', cursor: result.cursor });
    ws.send({ op: 'list', request_id: 'after' });
    expect(await ws.next()).toMatchObject({ request_id: 'after' });
  });

  it('parks results of a requester nobody listens to, and replays them in run order on subscribe', async () => {
    const { url, api, store } = await startStack();
    const target = await startTarget();
    const requesterId = requester();
    const ws = await connect(url);
    ws.send(task(requesterId, `${target.url}/`));
    const { task: created } = await ws.next();
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) runIds.push((await api('POST', `/v1/tasks/${created.id}/trigger`)).body.run_id);
    await waitFor(async () => (await store.listOutbox({ limit: 100 })).length === 3, 5000, 'three results');

    const other = await connect(url);
    other.send({ type: 'subscribe', requester_id: requesterId });
    expect(await other.next()).toMatchObject({ type: 'subscribed' });
    const replayed = [await other.next(), await other.next(), await other.next()];
    expect(replayed.map((f) => f.cursor)).toEqual([...runIds].sort());
    for (const frame of replayed) other.send({ type: 'ack', cursor: frame.cursor });
    await waitFor(async () => (await store.listOutbox({ limit: 100 })).length === 0, 5000, 'the outbox to empty');
  });

  it('a connection that drops before its ack: the result goes again to the next subscriber', async () => {
    const { url, store } = await startStack();
    const target = await startTarget();
    const requesterId = requester();
    const first = await connect(url);
    first.send({ type: 'subscribe', requester_id: requesterId });
    await first.next();
    first.send(task(requesterId, `${target.url}/`));
    const { task: created } = await first.next();
    first.send({ op: 'trigger', task_id: created.id });
    const { run_id } = await first.next();
    const delivered = await first.next();
    expect(delivered).toMatchObject({ type: 'result', cursor: run_id });
    first.socket.terminate();
    await first.closed;

    const second = await connect(url);
    second.send({ type: 'subscribe', requester_id: requesterId });
    await second.next();
    const again = await second.next();
    expect(again).toEqual(delivered);
    expect(await store.listOutbox({ limit: 100 })).toHaveLength(1);
    second.send({ type: 'ack', cursor: again.cursor });
    await waitFor(async () => (await store.listOutbox({ limit: 100 })).length === 0, 5000, 'the outbox to empty');
  });

  it('unsubscribe stops results on that connection; acks from a connection not subscribed are ignored', async () => {
    const { url, api, resultChannel } = await startStack();
    const target = await startTarget();
    const requesterId = requester();
    const ws = await connect(url);
    ws.send({ type: 'subscribe', requester_id: requesterId });
    await ws.next();
    ws.send({ type: 'unsubscribe', requester_id: requesterId });
    expect(await ws.next()).toEqual({ type: 'unsubscribed', requester_id: requesterId });

    ws.send(task(requesterId, `${target.url}/`));
    const { task: created } = await ws.next();
    const { run_id } = (await api('POST', `/v1/tasks/${created.id}/trigger`)).body;
    await waitFor(() => resultChannel.pending === 1, 5000, 'the parked result');
    ws.send({ type: 'ack', cursor: run_id });
    ws.send({ op: 'list', request_id: 'sync' });
    expect(await ws.next()).toMatchObject({ type: 'reply', request_id: 'sync' });
    expect(resultChannel.pending).toBe(1);
  });

  it('tasks created over REST default to no result channel: nothing is parked', async () => {
    const { api, store } = await startStack();
    const target = await startTarget();
    const created = await api('POST', '/v1/tasks', {
      requester_id: requester(),
      schedule: { minute: '0' },
      uri: `${target.url}/`,
    });
    expect(created.body.deliver_to).toEqual([]);
    await api('POST', `/v1/tasks/${created.body.id}/trigger`);
    await waitFor(async () => (await api('GET', `/v1/tasks/${created.body.id}`)).body.last_run !== null);
    expect(await store.listOutbox({ limit: 100 })).toEqual([]);
  });
});
