import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
// The AMQP package's tests stop the broker (stop_app) under an exclusive lock; this file holds it shared.
import { lockBrokerShared } from '../../../transport-amqp/test/support/broker-lock.ts';
import {
  deleteSidecarTopology,
  type SidecarProcess,
  startSidecarProcess,
  startTarget,
  waitFor,
} from './sidecar-process.ts';

/**
 * End to end, against the real RabbitMQ: `br-schedule serve` in its own process, a task sent in the
 * contract's exact shape over AMQP, REST and WebSocket, a real HTTP target receiving the calls, and
 * the results coming back on each channel.
 */

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const MINUTE = 60_000;

/** The contract's message: a crontab array (every minute), parameters as a JSON string. */
function contractRequest(targetUrl: string, requesterId: string, channel: string) {
  return {
    uri: `${targetUrl}/report/${channel}`,
    parameters: JSON.stringify({ channel, format: 'pdf' }),
    method: 'POST',
    schedule: [{ minute: '*' }],
    requester_id: requesterId,
    requester_signature: 'unsigned',
  };
}

describe('br-schedule serve, end to end', () => {
  const suffix = randomUUID().slice(0, 8);
  const requestQueue = `e2e.requests.${suffix}`;
  const resultExchange = `e2e.results.${suffix}`;
  const requesters = { amqp: randomUUID(), rest: randomUUID(), ws: randomUUID() };
  let dataDir: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sidecar: SidecarProcess;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let releaseBroker: (() => void) | undefined;

  beforeAll(async () => {
    releaseBroker = await lockBrokerShared();
    dataDir = await mkdtemp(join(tmpdir(), 'br-e2e-'));
    target = await startTarget();
    sidecar = await startSidecarProcess({
      SCHEDULER_DATA_DIR: dataDir,
      SCHEDULER_AMQP_URL: AMQP_URL,
      SCHEDULER_AMQP_REQUEST_QUEUE: requestQueue,
      SCHEDULER_AMQP_RESULT_EXCHANGE: resultExchange,
    });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  }, 660_000);

  afterAll(async () => {
    sidecar?.kill('SIGTERM');
    await sidecar?.exited;
    if (channel) await deleteSidecarTopology(channel, requestQueue, resultExchange);
    await connection?.close().catch(() => {});
    await target?.close();
    await rm(dataDir, { recursive: true, force: true });
    releaseBroker?.();
  });

  it('AMQP, REST and WebSocket each schedule a contract-shaped task, the target gets the calls at the minute, and each result comes back on its channel', {
    timeout: 3 * MINUTE,
  }, async () => {
    // AMQP: a results queue bound with our requester id, and a reply queue.
    const results = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(results.queue, resultExchange, requesters.amqp);
    const amqpResults: Record<string, unknown>[] = [];
    await channel.consume(results.queue, (m) => m && amqpResults.push(JSON.parse(m.content.toString())), {
      noAck: true,
    });
    const replies = await channel.assertQueue('', { exclusive: true });
    const amqpReplies: { correlationId: string; body: Record<string, unknown> }[] = [];
    await channel.consume(
      replies.queue,
      (m) =>
        m &&
        amqpReplies.push({ correlationId: String(m.properties.correlationId), body: JSON.parse(m.content.toString()) }),
      { noAck: true },
    );
    channel.sendToQueue(
      requestQueue,
      Buffer.from(JSON.stringify(contractRequest(target.url, requesters.amqp, 'amqp'))),
      {
        replyTo: replies.queue,
        correlationId: 'c-1',
        messageId: randomUUID(),
        persistent: true,
        contentType: 'application/json',
      },
    );

    // REST.
    const rest = await fetch(`${sidecar.url}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(contractRequest(target.url, requesters.rest, 'rest')),
    });
    expect(rest.status).toBe(201);
    const restTask = (await rest.json()) as { id: string; next_fires: string[] };

    // WebSocket: a request with a request id, and a subscription to our results.
    const ws = new WebSocket(`${sidecar.url.replace('http', 'ws')}/v1/ws`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame['type'] === 'result') ws.send(JSON.stringify({ type: 'ack', cursor: frame['cursor'] }));
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'subscribe', requester_id: requesters.ws }));
    ws.send(JSON.stringify({ ...contractRequest(target.url, requesters.ws, 'ws'), request_id: 'w-1' }));

    const amqpReply = await waitFor('the AMQP reply', () => amqpReplies[0], 10_000);
    expect(amqpReply.correlationId).toBe('c-1');
    expect(amqpReply.body).toMatchObject({ ok: true, op: 'create', task: { status: 'active' } });
    const wsReply = await waitFor('the WebSocket reply', () => frames.find((f) => f['request_id'] === 'w-1'), 10_000);
    expect(wsReply).toMatchObject({ type: 'reply', ok: true, op: 'create' });

    // Every task fires at the next whole minute; the next fires are listed.
    const nextMinute = Math.ceil((Date.now() + 1) / MINUTE) * MINUTE;
    expect(Date.parse(restTask.next_fires[0] ?? '')).toBeLessThanOrEqual(nextMinute);
    expect(Date.parse(restTask.next_fires[1] ?? '') - Date.parse(restTask.next_fires[0] ?? '')).toBe(MINUTE);

    await waitFor('the three calls', () => (target.calls.length >= 3 ? true : undefined), 2 * MINUTE);
    for (const name of ['amqp', 'rest', 'ws']) {
      const call = target.calls.find((c) => c.url === `/report/${name}`);
      expect(call, name).toBeDefined();
      if (!call) continue;
      expect(call.method).toBe('POST');
      expect(JSON.parse(call.body)).toEqual({ channel: name, format: 'pdf' });
      const scheduledAt = Date.parse(String(call.headers['x-br-scheduled-at']));
      expect(scheduledAt % MINUTE).toBe(0);
      expect(call.at - scheduledAt).toBeGreaterThanOrEqual(0);
      expect(call.at - scheduledAt).toBeLessThan(2_000);
      expect(call.headers['idempotency-key']).toMatch(/:/);
    }

    const amqpResult = await waitFor('the AMQP result', () => amqpResults[0], 15_000);
    expect(amqpResult).toMatchObject({
      requester_id: requesters.amqp,
      status: 'success',
      http_status: 200,
      content: '{"done":true}',
      uri: `${target.url}/report/amqp`,
      parameters: JSON.stringify({ channel: 'amqp', format: 'pdf' }),
    });
    const wsResult = await waitFor('the WebSocket result', () => frames.find((f) => f['type'] === 'result'), 15_000);
    expect(wsResult).toMatchObject({
      result: { requester_id: requesters.ws, status: 'success', uri: `${target.url}/report/ws` },
    });
    const restView = await waitFor(
      'the REST task to show its last run',
      async () => {
        const body = (await (await fetch(`${sidecar.url}/v1/tasks/${restTask.id}`)).json()) as { last_run: unknown };
        return body.last_run ?? undefined;
      },
      15_000,
    );
    expect(restView).toMatchObject({ status: 'success', http_status: 200 });
    ws.close();
  });

  it('a malformed AMQP request gets an error reply and goes to the dead-letter queue', {
    timeout: 30_000,
  }, async () => {
    const replies = await channel.assertQueue('', { exclusive: true });
    const got: Record<string, unknown>[] = [];
    await channel.consume(replies.queue, (m) => m && got.push(JSON.parse(m.content.toString())), { noAck: true });
    channel.sendToQueue(requestQueue, Buffer.from('{not json'), { replyTo: replies.queue, correlationId: 'bad-1' });
    channel.sendToQueue(
      requestQueue,
      Buffer.from(
        JSON.stringify({ ...contractRequest(target.url, requesters.amqp, 'x'), schedule: [{ minute: '61' }] }),
      ),
      {
        replyTo: replies.queue,
        correlationId: 'bad-2',
      },
    );
    await waitFor('two error replies', () => (got.length >= 2 ? true : undefined), 10_000);
    expect(got.map((r) => (r['error'] as { code: string }).code).sort()).toEqual([
      'MALFORMED_MESSAGE',
      'SCHEDULE_INVALID',
    ]);
    const dead = await waitFor(
      'the dead letters',
      async () => {
        const q = await channel.checkQueue(`${requestQueue}.dead`);
        return q.messageCount >= 2 ? q.messageCount : undefined;
      },
      10_000,
    );
    expect(dead).toBe(2);
    // The consumer lives on: a good request still gets its answer.
    channel.sendToQueue(requestQueue, Buffer.from(JSON.stringify({ op: 'list', requester_id: requesters.amqp })), {
      replyTo: replies.queue,
      correlationId: 'good',
    });
    await waitFor('the list reply', () => got.find((r) => r['op'] === 'list'), 10_000);
  });
});
