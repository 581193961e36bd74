import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatInstant, type TaskInput } from '@br-sdk/schedule';
import { SqliteTaskStore } from '@br-sdk/schedule-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Crash test (issue: durable execution): the scheduler, with store-sqlite, in a child process; an
 * HTTP target in another process recording every request; SIGKILL the scheduler at random moments
 * under load, 20+ times, restarting on the same file; 5,000+ tasks mixing one-shots and recurring
 * ones. Then: no acknowledged task lost, every due occurrence executed at least once, and a key
 * seen twice only across a kill.
 */

const CYCLES = 22;
const TASKS_PER_CYCLE = 260;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'br-crash-'));
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(script: string, args: string[]): ChildProcess {
  const child = fork(here(script), args, {
    execArgv: ['--conditions=source'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function waitFor<T>(child: ChildProcess, test: (message: unknown) => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      const value = test(message);
      if (value === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

interface Planned {
  readonly task: TaskInput;
  /** The idempotency keys of its occurrences. */
  readonly keys: readonly string[];
  /** When its first occurrence is due: a client resends an unacknowledged task only before then. */
  readonly firstAt: number;
}

/** The fire time in an idempotency key `<task_id>:<scheduled_at>`. */
const keyTime = (key: string) => Date.parse(key.slice(key.indexOf(':') + 1));

/** One-shots due within ~2.5 s, and every-second tasks with 3 fires; all catch up every missed fire. */
function plan(cycle: number, count: number, url: string): Planned[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const id = `crash-${cycle}-${i}`;
    const common = {
      task_id: id,
      requester_id: 'crash-test',
      target: { kind: 'http', uri: url, method: 'POST', parameters: { cycle, i } },
      policies: { misfire: { catch_up: 'all' as const } },
    };
    if (i % 5 < 3) {
      const at = now + 200 + Math.floor(Math.random() * 2500);
      const schedule = { rules: [{ at: formatInstant(at) }] };
      return { task: { ...common, schedule }, keys: [`${id}:${formatInstant(at)}`], firstAt: at };
    }
    const from = now + 200 + Math.floor(Math.random() * 1000);
    const keys = [0, 1, 2].map((k) => `${id}:${formatInstant(from + k * 1000)}`);
    const schedule = { rules: [{ every: 'PT1S', from: formatInstant(from) }], limit: 3 };
    return { task: { ...common, schedule }, keys, firstAt: from };
  });
}

describe('crash: SIGKILL the scheduler under load', () => {
  it('loses no acknowledged task and runs every due occurrence at least once', { timeout: 240_000 }, async () => {
    const log = join(dir, 'requests.jsonl');
    const db = join(dir, 'scheduler.sqlite');
    writeFileSync(log, '');
    const target = start('./crash/target-server.ts', [log]);
    const port = await new Promise<number>((resolve, reject) => {
      target.stdout?.on('data', (chunk: Buffer) => {
        const match = /PORT (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      target.once('exit', () => reject(new Error('target server exited')));
    });
    const url = `http://127.0.0.1:${port}/hook`;

    const planned = new Map<string, Planned>();
    const acked = new Set<string>();
    const kills: number[] = [];
    const refusals = new Map<string, number>();
    // What a client resends: unacknowledged tasks whose first fire is still ahead (task_id makes a
    // resend of a task that was in fact stored idempotent).
    const unacknowledged = () =>
      [...planned.values()].filter((p) => !acked.has(p.task.task_id as string) && p.firstAt > Date.now() + 100);
    const runScheduler = async () => {
      const child = start('./crash/scheduler-process.ts', [db]);
      child.on('message', (message: { acked?: string; refused?: string; error?: string }) => {
        if (message.acked) acked.add(message.acked);
        if (message.refused) refusals.set(message.error ?? '', (refusals.get(message.error ?? '') ?? 0) + 1);
      });
      await waitFor(child, (m) => ((m as { ready?: boolean }).ready ? true : undefined), 20_000);
      return child;
    };

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const child = await runScheduler();
      for (const p of plan(cycle, TASKS_PER_CYCLE, url)) planned.set(p.task.task_id as string, p);
      child.send({ tasks: unacknowledged().map((p) => p.task) });
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1500));
      child.kill('SIGKILL');
      await exited(child);
      // The moment the process is gone: requests it sent in its last instant land before this.
      kills.push(Date.now());
    }

    // The last run: resend what is unacknowledged, then wait for every due occurrence.
    const last = await runScheduler();
    last.send({ tasks: unacknowledged().map((p) => p.task) });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const expected = new Set([...acked].flatMap((id) => planned.get(id)?.keys ?? []));
    const readLog = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { key: string; run: string; at: number });
    const deadline = Date.now() + 60_000;
    let received = readLog();
    while (Date.now() < deadline) {
      const keys = new Set(received.map((r) => r.key));
      if ([...expected].every((k) => keys.has(k))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
      received = readLog();
    }
    last.send({ stop: true });
    await exited(last);
    received = readLog();

    // 1. No acknowledged task is lost.
    const store = await SqliteTaskStore.open({ path: db });
    const missingTasks: string[] = [];
    const createdAt = new Map<string, number>();
    for (const id of acked) {
      const record = await store.get(id);
      if (record === undefined) missingTasks.push(id);
      else createdAt.set(id, Date.parse(record.created_at));
    }
    await store.close();

    // 2. Every occurrence of an acknowledged task ran at least once (catch_up: all), except those
    //    before its creation, which a schedule never runs (a task resent late joins its series late).
    const seen = new Map<string, number[]>();
    for (const r of received) seen.set(r.key, [...(seen.get(r.key) ?? []), r.at]);
    const ackedKeys = [...acked].flatMap((id) =>
      (planned.get(id)?.keys ?? []).filter((k) => keyTime(k) >= (createdAt.get(id) ?? 0)),
    );
    const missingRuns = ackedKeys.filter((k) => !seen.has(k));

    // 3. A key seen twice was in flight at a kill: some kill falls between the two requests.
    const duplicates = [...seen.entries()].filter(([, times]) => times.length > 1);
    const unexplained = duplicates.filter(([, times]) =>
      times.slice(1).some((t, i) => !kills.some((k) => k > (times[i] as number) && k < t)),
    );
    // Nothing ran that no acknowledged task asked for (a refused task never runs).
    const unknownKeys = [...seen.keys()].filter((k) => !new Set(ackedKeys).has(k));
    const refused = [...refusals.values()].reduce((a, b) => a + b, 0);

    console.log(
      `crash test: ${kills.length} kills, ${planned.size} tasks planned, ${acked.size} acknowledged, ${refused} refused; ` +
        `${ackedKeys.length} occurrences expected, ${received.length} requests received, ` +
        `${duplicates.length} keys seen more than once (all across a kill: ${unexplained.length === 0}), ` +
        `${missingTasks.length} acknowledged tasks lost, ${missingRuns.length} occurrences missing`,
    );
    expect(kills.length).toBeGreaterThanOrEqual(20);
    expect(planned.size).toBeGreaterThanOrEqual(5000);
    expect(acked.size).toBeGreaterThanOrEqual(5000);
    // A resend is refused only when it comes too late: the task was never stored, its fire passed.
    expect([...refusals.keys()].filter((e) => !e.includes('has no fire at or after'))).toEqual([]);
    expect(missingTasks).toEqual([]);
    expect(missingRuns).toEqual([]);
    expect(unexplained).toEqual([]);
    expect(unknownKeys).toEqual([]);
    target.kill('SIGTERM');
    await exited(target);
  });
});
