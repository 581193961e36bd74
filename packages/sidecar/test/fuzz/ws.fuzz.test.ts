import { randomUUID } from 'node:crypto';
import { errorBodySchema } from '@br-sdk/schedule/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTarget } from '../e2e/sidecar-process.ts';
import {
  type FramePlan,
  framePlanArb,
  materializeFrame,
  newWorld,
  signAndSerialize,
  type WireFrame,
} from './generators.ts';
import {
  alive,
  assertBatch,
  errorLogs,
  type FuzzSidecar,
  fuzzSeed,
  killSidecar,
  makeKeys,
  missingTasks,
  preview,
  removeDir,
  replyProblem,
  runFuzz,
  startFuzzSidecar,
  type TestRequester,
  until,
} from './support.ts';

/**
 * Fuzzing the WebSocket channel (/v1/ws) of a real `br-schedule serve` with authentication on:
 * 10,000+ frames (random text and binary frames, random JSON, mutated and corrupted request
 * messages, subscribe/unsubscribe/ack frames, and a few percent of valid signed creates). Every
 * request frame gets a `reply`, every other frame that is not a good ack an `error` (or
 * `subscribed`/`unsubscribed`) frame; nothing is INTERNAL; the connection stays open, except after
 * a frame over the largest payload (closed 1009) or a text frame that is not UTF-8 (closed 1007,
 * as RFC 6455 asks), after which the test connects again; the process lives; every acknowledged
 * task can be read back.
 */

const MESSAGES = 10_000;
const BATCH = 250;
/** SCHEDULER_MAX_MESSAGE_BYTES's default: the WebSocket's largest payload. */
const MAX_PAYLOAD = 1_048_576;

type Frame = Record<string, unknown>;

/** A WebSocket connection with its frames, counted by kind, and how it closed. */
class Peer {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  readonly problems: string[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.problems.push('a binary frame from the server');
        return;
      }
      try {
        this.frames.push(JSON.parse(String(data)) as Frame);
      } catch {
        this.problems.push(`a frame that is not JSON: ${preview(String(data), 200)}`);
      }
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    this.socket.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  count(kinds: readonly string[], from = 0): number {
    let n = 0;
    for (let i = from; i < this.frames.length; i++) if (kinds.includes(String(this.frames[i]?.['type']))) n++;
    return n;
  }
}

describe('fuzzing the WebSocket channel', () => {
  const suffix = randomUUID().slice(0, 8);
  let keys: Awaited<ReturnType<typeof makeKeys>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let sidecar: FuzzSidecar | undefined;
  const peers: Peer[] = [];

  beforeAll(async () => {
    keys = await makeKeys();
    target = await startTarget();
    sidecar = await startFuzzSidecar({ keysDir: keys.dir });
  }, 60_000);

  afterAll(async () => {
    for (const peer of peers) peer.socket.terminate();
    await killSidecar(sidecar);
    await target?.close();
    await removeDir(sidecar?.dataDir);
    await removeDir(keys?.dir);
  });

  it('answers each of 10,000+ random and mutated frames, keeps the connection open (but for 1009 and 1007), and loses no acknowledged task', {
    timeout: 300_000,
  }, async () => {
    const live = sidecar as FuzzSidecar;
    const wsUrl = `${live.url.replace(/^http/, 'ws')}/v1/ws`;
    const world = newWorld(keys, target.url, `w${suffix}`);
    const acked = new Map<string, TestRequester>();
    const codes = new Map<string, number>();
    let total = 0;
    let reconnects = 0;

    async function connect(): Promise<Peer> {
      const peer = new Peer(wsUrl);
      peers.push(peer);
      await peer.opened;
      return peer;
    }
    let peer = await connect();

    /** Sends frames that keep the connection open, waits for their answers and checks them. */
    async function exchange(frames: readonly WireFrame[]): Promise<string[]> {
      const failures: string[] = [];
      const from = peer.frames.length;
      const replies = frames.filter((f) => f.expect.answer === 'reply').length;
      const others = frames.filter((f) => f.expect.answer === 'frame').length;
      for (const frame of frames) peer.socket.send(frame.bytes, { binary: frame.binary });
      total += frames.length;
      try {
        await until(
          `${replies} replies and ${others} other frames`,
          () =>
            peer.closed !== undefined ||
            (peer.count(['reply'], from) >= replies &&
              peer.count(['error', 'subscribed', 'unsubscribed'], from) >= others),
          60_000,
          5,
        );
      } catch (error) {
        failures.push(
          `${(error as Error).message}: got ${peer.count(['reply'], from)} replies, ` +
            `${peer.count(['error', 'subscribed', 'unsubscribed'], from)} other frames`,
        );
      }
      if (peer.closed) failures.push(`the connection closed: ${JSON.stringify(peer.closed)}`);
      const got = peer.frames.slice(from);
      const byRequestId = new Map<string, Frame[]>();
      for (const frame of got) {
        const type = String(frame['type']);
        const outcome = frame['ok'] === true ? 'ok' : String((frame['error'] as Frame | undefined)?.['code']);
        const key = type === 'reply' || type === 'error' ? `${type} ${outcome}` : type;
        codes.set(key, (codes.get(key) ?? 0) + 1);
        let problem: string | undefined;
        if (type === 'reply') {
          const { type: _type, ...reply } = frame;
          problem = replyProblem(reply);
          if (typeof frame['request_id'] === 'string') {
            const list = byRequestId.get(frame['request_id']) ?? [];
            list.push(frame);
            byRequestId.set(frame['request_id'], list);
          }
          const task = frame['task'] as Frame | undefined;
          if (frame['ok'] === true && frame['op'] === 'create' && typeof task?.['id'] === 'string') {
            const owner = String(task['requester_id']).toLowerCase() === keys.other.id ? keys.other : keys.main;
            acked.set(task['id'], owner);
          }
        } else if (type === 'error') {
          const parsed = errorBodySchema.safeParse(frame['error']);
          if (!parsed.success) problem = `an error frame with a malformed error: ${parsed.error.message.slice(0, 300)}`;
          else if (parsed.data.code === 'INTERNAL') problem = 'INTERNAL error';
        } else if (type === 'subscribed' || type === 'unsubscribed') {
          if (typeof frame['requester_id'] !== 'string') problem = `${type} without requester_id`;
        } else if (type !== 'result') {
          problem = `a frame of unknown type ${type}`;
        }
        if (problem !== undefined) {
          // The input at fault: by request id when the frame has one, else every input without one.
          const requestId = frame['request_id'];
          const suspects = frames.filter((f) =>
            typeof requestId === 'string'
              ? f.bytes.includes(JSON.stringify(requestId))
              : f.expect.answer !== 'reply' || f.expect.requestId === undefined,
          );
          failures.push(
            `${problem}: ${JSON.stringify(frame).slice(0, 400)} to one of ${suspects.length}: ` +
              suspects
                .slice(0, 5)
                .map((f) => `${f.label}: ${preview(f.bytes, 300)}`)
                .join(' | '),
          );
        }
      }
      for (const frame of frames) {
        if (!frame.valid) continue;
        const id = frame.expect.answer === 'reply' ? frame.expect.requestId : undefined;
        // Replays of the frame (sent verbatim later) share its request id, and are refused as such.
        const all = id === undefined ? [] : (byRequestId.get(id) ?? []);
        const answers = all.filter((f) => (f['error'] as Frame | undefined)?.['code'] !== 'REQUEST_REPLAYED');
        const task = answers[0]?.['task'] as Frame | undefined;
        if (answers.length !== 1 || answers[0]?.['ok'] !== true)
          failures.push(`a valid create got ${JSON.stringify(all).slice(0, 400)}: ${preview(frame.bytes, 300)}`);
        else if (frame.valid.taskId !== undefined && task?.['id'] !== frame.valid.taskId)
          failures.push(`a valid create answered another task: ${preview(frame.bytes, 300)}`);
        else if (frame.valid.owner === keys.main && typeof task?.['id'] === 'string') world.pool.push(task['id']);
      }
      if (world.pool.length > 40) world.pool.splice(0, world.pool.length - 40);
      if (peer.problems.length > 0) failures.push(...peer.problems.splice(0));
      return failures;
    }

    /** Sends a frame the server must close the connection on (with `code`), then connects again. */
    async function closing(frame: WireFrame, code: number): Promise<string[]> {
      peer.socket.send(frame.bytes, { binary: frame.binary });
      total += 1;
      const failures: string[] = [];
      try {
        await until(`the close after ${frame.label}`, () => peer.closed !== undefined, 20_000, 5);
        if (peer.closed?.code !== code)
          failures.push(`${frame.label}: closed ${JSON.stringify(peer.closed)}, expected ${code}`);
      } catch (error) {
        failures.push(`${(error as Error).message}`);
        peer.socket.terminate();
      }
      peer = await connect();
      reconnects += 1;
      return failures;
    }

    // A subscription to main's results: results of triggered tasks arrive as result frames too.
    const subscribe = signAndSerialize(world, { type: 'subscribe' }, [], {
      mode: 'sign-after',
      pick: 0,
      asOther: false,
    });
    peer.socket.send(subscribe, { binary: false });
    await until('the subscription', () => peer.count(['subscribed']) === 1, 10_000);

    // The pool of tasks the task operations aim at.
    const poolFrames = Array.from({ length: 8 }, () =>
      materializeFrame(
        world,
        {
          kind: 'request',
          typed: false,
          plan: { kind: 'valid-create', shape: 'contract', asOther: false, withOp: true, withTaskId: true },
        },
        MAX_PAYLOAD,
      ),
    );
    expect(await exchange(poolFrames)).toEqual([]);

    let fuzzed = 0;
    let validCreates = 0;
    let slowest = 0;
    const fuzzStart = Date.now();
    await runFuzz(
      'WebSocket',
      framePlanArb,
      { seed: fuzzSeed(0x5eed_0f5), batch: BATCH, messages: MESSAGES, timeLimitMs: 150_000 },
      async (plans: FramePlan[]) => {
        const batchStart = Date.now();
        const frames = plans.map((plan) => materializeFrame(world, plan, MAX_PAYLOAD));
        const failures: string[] = [];
        // Runs of frames that keep the connection open, each closing frame on its own.
        let run: WireFrame[] = [];
        for (const frame of frames) {
          if (frame.expect.answer !== 'close') {
            run.push(frame);
            continue;
          }
          failures.push(...(await exchange(run)));
          run = [];
          failures.push(...(await closing(frame, frame.expect.code)));
        }
        failures.push(...(await exchange(run)));
        assertBatch(live, failures);
        fuzzed += frames.length;
        validCreates += frames.filter((f) => f.valid).length;
        slowest = Math.max(slowest, Date.now() - batchStart);
      },
    );
    const fuzzSeconds = (Date.now() - fuzzStart) / 1000;
    expect(fuzzed).toBeGreaterThanOrEqual(MESSAGES);
    expect(validCreates / fuzzed).toBeGreaterThan(0.04);

    // No frame answered twice: a moment later, nothing more than results has come.
    const settled = peer.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(peer.frames.slice(settled).filter((f) => f['type'] !== 'result')).toEqual([]);

    // The connection is still open, the process alive, and a fresh request answered.
    expect(peer.closed).toBeUndefined();
    expect(alive(live)).toBe(true);
    const fresh = materializeFrame(
      world,
      {
        kind: 'request',
        typed: true,
        plan: { kind: 'valid-create', shape: 'spec', asOther: false, withOp: true, withTaskId: true },
      },
      MAX_PAYLOAD,
    );
    expect(await exchange([fresh])).toEqual([]);

    const missing = [];
    for (const owner of [keys.main, keys.other]) {
      const ids = [...acked].filter(([, o]) => o === owner).map(([id]) => id);
      missing.push(...(await missingTasks(live.url, owner, ids)));
    }
    expect(missing, 'acknowledged tasks missing').toEqual([]);
    expect(acked.size).toBeGreaterThan(600);
    expect(errorLogs(live), 'error logs of the sidecar').toEqual([]);
    console.info(
      `WebSocket fuzz: ${total} frames (${fuzzed} fuzzed in ${fuzzSeconds} s, slowest batch ${slowest} ms, ` +
        `${validCreates} valid creates, ${reconnects} reconnections after 1009/1007 closes), ` +
        `${acked.size} acknowledged tasks read back; answers: ` +
        [...codes]
          .sort((a, b) => b[1] - a[1])
          .map(([code, n]) => `${code}: ${n}`)
          .join(', '),
    );
  });
});
