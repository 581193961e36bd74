/**
 * HTTP burst: 10,000 HTTP POST tasks due at the same instant, run by our Scheduler with the
 * HttpExecutor, next to the same 10,000 requests sent by a plain loop of `undici.request` on a
 * keep-alive pool, in the same run, against the same server, at the same concurrency.
 *
 *   - scheduler: `new Scheduler({ executors: [new HttpExecutor({ connections: C })], concurrency: C })`,
 *     10,000 tasks `{ at: <a whole second> }` with target `{ kind: 'http', method: 'POST',
 *     uri: <server>/tasks/<i>, parameters: { i } }`. Measured from the due instant: until the
 *     10,000th `dispatch` event (the last first attempt started) and until the 10,000th `result`.
 *   - loop: C async workers taking the next i until 10,000, each `await request(<server>/tasks/<i>,
 *     { dispatcher: agent, method: 'POST', headers, body: JSON.stringify({ i }) })` then
 *     `await body.text()`, on `new Agent({ connections: C })`, with the same headers the executor
 *     sends. Measured from the loop's start: until the 10,000th request was issued and until the
 *     10,000th body was read.
 *
 * Target: the scheduler's throughput (10,000 / time to the last result) >= 0.7x the loop's.
 *
 * Two diagnostic rows, without targets, split the scheduler's cost: `executor` (the HttpExecutor
 * driven by the same plain loop, with hand-made run contexts: what the executor adds to undici)
 * and `core` (the scheduler round with an executor that sends nothing and succeeds at once: what
 * core costs per run). CPU time of the measuring process is reported for every row: on a busy
 * machine it is steadier than wall time.
 *
 * Method. The server (node:http, keep-alive, answers `{"ok":true}` after reading the body) runs
 * in a child process (this file with `--server`), so its work does not share the measuring
 * process's event loop. Each round uses a new pool (so each side opens its C connections within
 * the measured time) and, for the scheduler, a new Scheduler whose tasks are registered before the
 * due instant. After a warm-up round of each side, rounds alternate (loop, executor, core,
 * scheduler, loop, …);
 * the table shows the median of the measured rounds. Times are read as
 * `performance.timeOrigin + performance.now()` against the due instant (epoch ms), which is off
 * by at most ~1 ms from Date.now(): negligible beside the hundreds of ms measured.
 *
 * Direct run: node --conditions=source bench/http-burst.bench.ts (run.ts adds the flag).
 * Concurrency: HTTP_BURST_CONCURRENCY=<n> (default 100, the Scheduler's default `concurrency`).
 * Profile the scheduler's bursts alone: HTTP_BURST_SIDES=scheduler HTTP_BURST_PROFILE=prof (see PROFILE_DIR).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Executor, type RunContext, Scheduler, type TaskTarget } from '@br-sdk/schedule';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { Agent, request } from 'undici';
import { median } from './lib/stats.ts';

const TASKS = 10_000;
const CONCURRENCY = Number(process.env['HTTP_BURST_CONCURRENCY'] ?? 100);
const WARMUP_ROUNDS = 1;
const ROUNDS = Number(process.env['HTTP_BURST_ROUNDS'] ?? 7);
const TARGET_RATIO = 0.7;
/** The least time between the end of registration and the due instant; a round with less is an error. */
const LEAD_MS = 500;
const ROUND_TIMEOUT_MS = 60_000;
/** The sides to run, e.g. HTTP_BURST_SIDES=scheduler to profile one alone. Default: all four. */
const SIDES = (process.env['HTTP_BURST_SIDES'] ?? 'loop,executor,core,scheduler').split(',');

/**
 * HTTP_BURST_PROFILE=<dir>: writes a CPU profile of each scheduler round's burst alone (from 20 ms
 * before the due instant to the last result, without registration) to <dir>/scheduler-<due>.cpuprofile.
 */
const PROFILE_DIR = process.env['HTTP_BURST_PROFILE'];
const profiler = {
  session: null as Session | null,
  async start(): Promise<void> {
    this.session ??= new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 250 });
    await this.session.post('Profiler.start');
  },
  async stop(name: string): Promise<void> {
    const session = this.session;
    if (session === null || PROFILE_DIR === undefined) return;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
  },
};

const perfNow = () => performance.timeOrigin + performance.now();
const ceilSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

// --- the server (child process) ---------------------------------------------------------------

function runServer(): void {
  let count = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    count++;
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message) => {
    if (message === 'count') process.send?.({ count });
  });
  process.on('disconnect', () => process.exit(0));
}

async function startServer(): Promise<{ child: ChildProcess; url: string; count: () => Promise<number> }> {
  const child = fork(import.meta.filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  const count = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { count: number }).count));
      child.send('count');
    });
  return { child, url: `http://127.0.0.1:${port}`, count };
}

// --- the two sides ------------------------------------------------------------------------------

interface Sample {
  /** ms to the last request issued (loop) or the last first attempt dispatched (scheduler). */
  dispatchedMs: number;
  /** ms to the last response read (loop) or the last result (scheduler). */
  doneMs: number;
  ok: number;
  /** CPU time (user + system) of this process over the same window, in ms. */
  cpuMs: number;
  /** Scheduler only: ms to register the 10,000 tasks, and the due instant's lateness. */
  registerMs?: number;
  firstDispatchLateMs?: number;
}

/**
 * A stand-in for the HttpExecutor that sends nothing and succeeds at once: the `core` side runs the
 * scheduler round with it, which measures what core alone costs per run.
 */
const nullExecutor: Executor & { close(): Promise<void> } = {
  kind: 'http',
  validate: () => [],
  execute: async () => ({ status: 'success', content: '{"ok":true}', error: null, http_status: 200 }),
  close: async () => {},
};

async function schedulerRound(url: string, core = false): Promise<Sample> {
  const executor = core ? nullExecutor : new HttpExecutor({ connections: CONCURRENCY });
  const scheduler = new Scheduler({ executors: [executor], concurrency: CONCURRENCY });
  let due = 0;
  let dispatched = 0;
  let done = 0;
  let ok = 0;
  let dispatchedAt = 0;
  let doneAt = 0;
  let firstAt = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  scheduler.on('dispatch', () => {
    if (dispatched === 0) firstAt = perfNow();
    if (++dispatched === TASKS) dispatchedAt = perfNow();
  });
  scheduler.on('result', (result) => {
    if (result.status === 'success') ok++;
    if (++done === TASKS) {
      doneAt = perfNow();
      finish();
    }
  });
  await scheduler.start();
  // Registration takes ~0.1-0.5 s here; the due second is chosen past it with room to spare.
  due = ceilSecond(Date.now() + 2000);
  const at = new Date(due).toISOString();
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i++) {
    await scheduler.schedule({
      requester_id: 'bench',
      schedule: { rules: [{ at }] },
      target: { kind: 'http', uri: `${url}/tasks/${i}`, method: 'POST', parameters: { i } },
    });
  }
  const registerMs = performance.now() - t0;
  if (Date.now() > due - LEAD_MS) throw new Error(`registration ended ${Date.now() - due} ms from the due instant`);
  // CPU time is read from a timer just before the due instant: the window is the same as the times'.
  let cpu = process.cpuUsage();
  const atDue = () => {
    cpu = process.cpuUsage();
    if (PROFILE_DIR !== undefined) void profiler.start();
  };
  const cpuTimer = setTimeout(atDue, due - Date.now() - 20);
  const timer = setTimeout(() => finish(), due - Date.now() + ROUND_TIMEOUT_MS);
  await finished;
  const used = process.cpuUsage(cpu);
  if (PROFILE_DIR !== undefined) await profiler.stop(`${core ? 'core' : 'scheduler'}-${due}`);
  clearTimeout(timer);
  clearTimeout(cpuTimer);
  await scheduler.stop();
  await executor.close();
  if (done < TASKS) throw new Error(`scheduler round: only ${done} of ${TASKS} results within the timeout`);
  return {
    dispatchedMs: dispatchedAt - due,
    doneMs: doneAt - due,
    ok,
    cpuMs: (used.user + used.system) / 1000,
    registerMs,
    firstDispatchLateMs: firstAt - due,
  };
}

async function loopRound(url: string): Promise<Sample> {
  const agent = new Agent({ connections: CONCURRENCY });
  const scheduledAt = new Date(ceilSecond(Date.now())).toISOString().replace('.000Z', 'Z');
  return runWorkers(
    (i) => {
      const pending = request(`${url}/tasks/${i}`, {
        dispatcher: agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'bench-loop',
          'idempotency-key': `task-${i}:${scheduledAt}`,
          'x-br-task-id': `task-${i}`,
          'x-br-run-id': `run-${i}`,
          'x-br-scheduled-at': scheduledAt,
          'x-br-attempt': '1',
        },
        body: JSON.stringify({ i }),
      });
      return async () => {
        const { statusCode, body } = await pending;
        await body.text();
        return statusCode >= 200 && statusCode < 300;
      };
    },
    () => agent.close(),
  );
}

/**
 * Sends TASKS requests from CONCURRENCY workers; `send(i)` issues request i and returns a function
 * that awaits it and says whether it succeeded. Times the last issue and the last answer, and the
 * CPU this process used in between.
 */
async function runWorkers(send: (i: number) => () => Promise<boolean>, close: () => Promise<void>): Promise<Sample> {
  let next = 0;
  let ok = 0;
  let dispatchedAt = 0;
  const worker = async () => {
    while (next < TASKS) {
      const i = next++;
      const answer = send(i);
      if (i === TASKS - 1) dispatchedAt = perfNow();
      if (await answer()) ok++;
    }
  };
  const t0 = perfNow();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const doneAt = perfNow();
  const used = process.cpuUsage(cpu);
  await close();
  return { dispatchedMs: dispatchedAt - t0, doneMs: doneAt - t0, ok, cpuMs: (used.user + used.system) / 1000 };
}

/** A side left out (HTTP_BURST_SIDES): NaN figures, so no ratio is claimed from it. */
const SKIPPED: Sample = { dispatchedMs: Number.NaN, doneMs: Number.NaN, ok: TASKS, cpuMs: Number.NaN };

/**
 * Diagnostic, not a target: the HttpExecutor driven by the same plain loop (C workers calling
 * `execute` with a hand-made run context), so that the scheduler's figure splits into the
 * executor's cost (executor - loop) and core's (scheduler - executor).
 */
async function executorRound(url: string): Promise<Sample> {
  const executor = new HttpExecutor({ connections: CONCURRENCY });
  const scheduledAt = ceilSecond(Date.now());
  const iso = new Date(scheduledAt).toISOString().replace('.000Z', 'Z');
  const signal = new AbortController().signal;
  const targets = Array.from({ length: TASKS }, (_, i) => ({
    kind: 'http',
    uri: `${url}/tasks/${i}`,
    method: 'POST',
    parameters: { i },
  }));
  return runWorkers(
    (i) => {
      const task = { id: `task-${i}` } as unknown as RunContext['task'];
      const pending = executor.execute(targets[i] as TaskTarget, {
        task,
        run_id: `run-${i}`,
        scheduled_at: scheduledAt,
        attempt: 1,
        idempotency_key: `task-${i}:${iso}`,
        signal,
      });
      return async () => (await pending).status === 'success';
    },
    () => executor.close(),
  );
}

// --- measurement and report ---------------------------------------------------------------------

function summarize(samples: Sample[]) {
  const stat = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
  return {
    dispatchedMs: stat(samples.map((s) => s.dispatchedMs)),
    doneMs: stat(samples.map((s) => s.doneMs)),
    requestsPerSecond: stat(samples.map((s) => (TASKS / s.doneMs) * 1000)),
    cpuMs: stat(samples.map((s) => s.cpuMs)),
    ok: samples.map((s) => s.ok),
    ...(samples[0]?.registerMs === undefined
      ? {}
      : {
          registerMs: stat(samples.map((s) => s.registerMs ?? 0)),
          firstDispatchLateMs: stat(samples.map((s) => s.firstDispatchLateMs ?? 0)),
        }),
  };
}

async function main(): Promise<void> {
  const server = await startServer();
  const samples = { loop: [] as Sample[], executor: [] as Sample[], core: [] as Sample[], scheduler: [] as Sample[] };
  try {
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      const loop = SIDES.includes('loop') ? await loopRound(server.url) : SKIPPED;
      const exec = SIDES.includes('executor') ? await executorRound(server.url) : SKIPPED;
      const core = SIDES.includes('core') ? await schedulerRound(server.url, true) : SKIPPED;
      const sched = SIDES.includes('scheduler') ? await schedulerRound(server.url) : SKIPPED;
      if (round >= WARMUP_ROUNDS) {
        samples.loop.push(loop);
        samples.executor.push(exec);
        samples.core.push(core);
        samples.scheduler.push(sched);
      }
      const tag = round < WARMUP_ROUNDS ? 'warm-up' : `round ${round - WARMUP_ROUNDS + 1}/${ROUNDS}`;
      console.log(
        `${tag}: loop ${loop.doneMs.toFixed(0)} ms (cpu ${loop.cpuMs.toFixed(0)} ms), ` +
          `executor ${exec.doneMs.toFixed(0)} ms (cpu ${exec.cpuMs.toFixed(0)} ms), ` +
          `core ${core.doneMs.toFixed(0)} ms (cpu ${core.cpuMs.toFixed(0)} ms), ` +
          `scheduler ${sched.doneMs.toFixed(0)} ms (cpu ${sched.cpuMs.toFixed(0)} ms, ` +
          `dispatched ${sched.dispatchedMs.toFixed(0)} ms, registered in ${sched.registerMs?.toFixed(0)} ms)`,
      );
    }
    const received = await server.count();
    const expected = (WARMUP_ROUNDS + ROUNDS) * SIDES.filter((side) => side !== 'core').length * TASKS;
    if (received !== expected) console.log(`WARNING: the server received ${received} requests, expected ${expected}`);
  } finally {
    server.child.kill();
  }

  const loop = summarize(samples.loop);
  const exec = summarize(samples.executor);
  const core = summarize(samples.core);
  const sched = summarize(samples.scheduler);
  const ratio = loop.doneMs.median / sched.doneMs.median;
  const pass = ratio >= TARGET_RATIO;
  const all = [...samples.loop, ...samples.executor, ...samples.scheduler];
  const failures = all.filter((s) => s.ok !== TASKS).length;
  const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} ms`);
  const us = (x: number) => (Number.isNaN(x) ? 'n/a' : `${((x * 1000) / TASKS).toFixed(1)} µs`);
  const rps = (x: number) => (Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
  console.log(
    `\nHTTP burst: ${TASKS.toLocaleString('en-US')} POSTs due at once, concurrency ${CONCURRENCY} ` +
      `(Scheduler concurrency = pool connections = loop workers), median of ${ROUNDS} alternating rounds`,
  );
  console.log(`target: scheduler throughput / loop throughput >= ${TARGET_RATIO}\n`);
  const rows = [
    ['side', 'last dispatched', 'all responses', 'req/s', 'min-max all responses', 'CPU', 'CPU/request'],
    ...(
      [
        ['loop', loop],
        ['executor', exec],
        ['core', core],
        ['scheduler', sched],
      ] as const
    ).map(([name, s]) => [
      name,
      ms(s.dispatchedMs.median),
      ms(s.doneMs.median),
      rps(s.requestsPerSecond.median),
      `${ms(s.doneMs.min)}-${ms(s.doneMs.max)}`,
      ms(s.cpuMs.median),
      us(s.cpuMs.median),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length))) ?? [];
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(rows[0] as string[]));
  console.log(line(widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`))));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    '\nDiagnostic rows (no target): executor = the HttpExecutor driven by the plain loop; core = the ' +
      'Scheduler with an executor that sends nothing. CPU: this process only (the server is another process).',
  );
  console.log(
    `scheduler/loop throughput: ${ratio.toFixed(3)}x ${pass ? 'PASS' : 'FAIL'}` +
      (failures > 0 ? ` (WARNING: ${failures} round(s) had non-2xx responses)` : ''),
  );
  console.log(`RESULT: ${pass ? 'target PASS' : 'target FAIL'}`);
  console.log(
    JSON.stringify({
      bench: 'http-burst',
      date: new Date().toISOString(),
      node: process.version,
      method: { tasks: TASKS, concurrency: CONCURRENCY, warmupRounds: WARMUP_ROUNDS, rounds: ROUNDS },
      target: { schedulerOverLoop: TARGET_RATIO },
      loop,
      executor: exec,
      core,
      scheduler: sched,
      schedulerOverLoop: ratio,
      pass,
    }),
  );
}

if (process.argv.includes('--server')) runServer();
else await main();
