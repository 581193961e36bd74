import type { RunResult } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import { ResultChannelClosedError, type ResultFrame, type ResultSink, WebSocketResultChannel } from '../src/index.ts';

const result = (run_id: string, requester_id = 'req-a'): RunResult => ({
  task_id: 'task-1',
  requester_id,
  run_id,
  trigger: 'schedule',
  scheduled_at: '2026-11-22T10:00:00Z',
  fired_at: '2026-11-22T10:00:00Z',
  finished_at: '2026-11-22T10:00:01Z',
  attempts: 1,
  status: 'success',
  http_status: 200,
  content: 'ok',
  truncated: false,
  error: null,
});

function sink() {
  const frames: ResultFrame[] = [];
  const value: ResultSink & { frames: ResultFrame[] } = { frames, send: (frame) => frames.push(frame) };
  return value;
}

const settled = async (promise: Promise<void>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  return state;
};

describe('WebSocketResultChannel', () => {
  it('is named ws by default, or as told', () => {
    expect(new WebSocketResultChannel().name).toBe('ws');
    expect(new WebSocketResultChannel({ name: 'ws-eu' }).name).toBe('ws-eu');
  });

  it('parks a result until a subscriber of its requester acks it; other requesters see nothing', async () => {
    const channel = new WebSocketResultChannel();
    const delivery = channel.deliver(result('r1'));
    expect(channel.pending).toBe(1);
    const other = sink();
    channel.subscribe('req-b', other);
    const mine = sink();
    channel.subscribe('req-a', mine);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(other.frames).toEqual([]);
    expect(mine.frames).toMatchObject([{ type: 'result', cursor: 'r1', result: { run_id: 'r1', uri: null } }]);
    expect(channel.ack(other, 'r1')).toBe(false);
    expect(await settled(delivery)).toBe('pending');
    expect(channel.ack(mine, 'r1')).toBe(true);
    expect(await settled(delivery)).toBe('resolved');
    expect(channel.ack(mine, 'r1')).toBe(false);
    expect(channel.pending).toBe(0);
  });

  it('sends to every subscriber of the requester; the first ack settles it', async () => {
    const channel = new WebSocketResultChannel();
    const a = sink();
    const b = sink();
    channel.subscribe('req-a', a);
    channel.subscribe('req-a', b);
    const delivery = channel.deliver(result('r1'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.frames).toHaveLength(1);
    expect(b.frames).toHaveLength(1);
    expect(channel.ack(b, 'r1')).toBe(true);
    await expect(delivery).resolves.toBeUndefined();
  });

  it('replays parked results in run id order, and keeps a detached sink’s results for the next one', async () => {
    const channel = new WebSocketResultChannel();
    for (const id of ['r3', 'r1', 'r2']) void channel.deliver(result(id)).catch(() => {});
    const first = sink();
    channel.subscribe('req-a', first);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(first.frames.map((f) => f.cursor)).toEqual(['r1', 'r2', 'r3']);
    channel.ack(first, 'r1');
    channel.detach(first);
    const second = sink();
    channel.subscribe('req-a', second);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(second.frames.map((f) => f.cursor)).toEqual(['r2', 'r3']);
  });

  it('close() rejects what is parked and every delivery until open()', async () => {
    const channel = new WebSocketResultChannel();
    const parked = channel.deliver(result('r1'));
    channel.close();
    await expect(parked).rejects.toBeInstanceOf(ResultChannelClosedError);
    await expect(channel.deliver(result('r2'))).rejects.toMatchObject({ code: 'WS_CHANNEL_CLOSED' });
    expect(channel.pending).toBe(0);
    channel.open();
    const again = channel.deliver(result('r1'));
    expect(channel.pending).toBe(1);
    channel.close();
    await expect(again).rejects.toThrow(/r1 not acknowledged/);
  });

  it('builds each message once with the builder it is given, and falls back to no call when it fails', async () => {
    const channel = new WebSocketResultChannel();
    let built = 0;
    channel.useMessageBuilder(async (r) => {
      built++;
      if (r.run_id === 'bad') throw new Error('store down');
      return { ...r, uri: 'http://x/', method: 'GET', parameters: null, scheduler_signature: null };
    });
    const a = sink();
    const b = sink();
    channel.subscribe('req-a', a);
    channel.subscribe('req-a', b);
    void channel.deliver(result('good')).catch(() => {});
    void channel.deliver(result('bad')).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(built).toBe(2);
    expect(a.frames.map((f) => [f.cursor, f.result.uri])).toEqual([
      ['good', 'http://x/'],
      ['bad', null],
    ]);
    expect(b.frames).toEqual(a.frames);
    channel.close();
  });

  it('drain(): releases results nobody listens for at once, the others after the ack timeout, and holds none later', async () => {
    const channel = new WebSocketResultChannel();
    const a = sink();
    channel.subscribe('req-a', a);
    const heard = channel.deliver(result('r1', 'req-a'));
    const unheard = channel.deliver(result('r2', 'req-b'));
    channel.drain(30);
    await expect(unheard).rejects.toThrow(/channel is closing/);
    expect(await settled(heard)).toBe('pending');
    await expect(heard).rejects.toBeInstanceOf(ResultChannelClosedError);
    await expect(channel.deliver(result('r3', 'req-b'))).rejects.toMatchObject({ code: 'WS_CHANNEL_CLOSED' });
    // A subscriber that acks in time confirms as before; one that leaves releases what it held.
    const acked = channel.deliver(result('r4', 'req-a'));
    channel.ack(a, 'r4');
    await expect(acked).resolves.toBeUndefined();
    const left = channel.deliver(result('r5', 'req-a'));
    channel.detach(a);
    await expect(left).rejects.toThrow(/r5/);
    channel.open();
    void channel.deliver(result('r6', 'req-b')).catch(() => {});
    expect(channel.pending).toBe(1);
    channel.close();
  });
});
