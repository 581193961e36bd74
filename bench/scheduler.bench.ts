/**
 * Scheduler: how late one-shot tasks run, how fast a burst of simultaneous tasks drains, and what a
 * pending task costs in heap and registration time, for our Scheduler next to two peers:
 *   - croner 11: one `new Cron(date, {}, fn)` per task (a Date makes a one-shot job; ms precision);
 *   - cron-schedule 6: `TimerBasedCronScheduler.setTimeout(parseCronExpression(expr), fn)` per task.
 *     Its crons have whole-second resolution, so its tasks get 6-field expressions `s m h D M *` for
 *     their due second (the process runs in UTC) and all its due times are whole seconds.
 *
 * Scenarios and targets (from the issue):
 *   1. lateness: 10,000 one-shot tasks spread evenly over 10 s, starting ~1 s after registration
 *      ends (ours and croner: one per ms; cron-schedule: 1,000 per whole second). Lateness is
 *      `performance.timeOrigin + performance.now()` read inside the task function minus its due time.
 *      Target for ours: p99 <= 1 ms and max <= 10 ms.
 *   2. burst: 10,000 tasks due at the same instant (a whole second, for everyone): time from that
 *      instant until the 10,000th task function has run. Ours runs twice, with `concurrency: 10000`
 *      and with the default (100). Target: cron-schedule's time / ours >= 1.0.
 *   3. memory and registration: 100,000 pending tasks due from an hour ahead (distinct whole seconds,
 *      the same instants for everyone): heap bytes per task after GC, and the time to register them
 *      (ours: sequential `await scheduler.schedule(...)`; peers: constructing their jobs).
 *      Targets: ours bytes/task <= cron-schedule's; ours registers 100,000 in about 1 s (PASS up to
 *      REGISTER_TARGET_MS, 25 % over 1 s, since the issue says "about").
 *
 * Method. Every scenario × implementation runs in its own child process (this file with `--child`),
 * one child at a time so they never share the 2 cores, each with a hard timeout after which it is
 * killed by PID. Children run with `--expose-gc`. Each child first warms up on a throwaway instance
 * (lateness: 1,000 tasks over 1 s; burst: a whole burst; memory: 1,000 registrations), so the
 * measured instance starts empty and runs JIT-compiled code; then it collects garbage twice before
 * the measured registration and again between registration and the first due time, so the measured
 * window pays only for the garbage it makes itself. The warm-up's registration rate sets the lead:
 * the first due time is the whole second at least 1.5 × the expected registration time + 1 s away.
 * Scenarios 1-2 repeat for several rounds that alternate the implementations (A B C A B C …); the
 * tables show the median of the rounds (a round whose registration overran into the due time is
 * run again, see MIN_LEAD_MS). Each lateness round also runs a machine-noise control (childNoise).
 * Memory reads `process.memoryUsage().heapUsed` after two collections, before and after registering.
 *
 * Direct run: node --conditions=source bench/scheduler.bench.ts (run.ts adds the flag).
 */
import { Scheduler } from '@br-sdk/schedule';
import { parseCronExpression } from 'cron-schedule';
import { TimerBasedCronScheduler } from 'cron-schedule/schedulers/timer-based.js';
import { Cron } from 'croner';
import { type ChildOutcome, runChildJob } from './lib/child-job.ts';
import { count, printTable, ratio } from './lib/report.ts';
import { median } from './lib/stats.ts';

const TASKS = 10_000;
const SPREAD_MS = 10_000;
const MEMORY_TASKS = 100_000;
/**
 * croner builds a full CronPattern even for a one-shot Date job, including a 10,000-entry year
 * table: ~75 KB of heap per job, so 100,000 jobs exceed Node's default heap limit (~4 GB) and the
 * child dies out of memory. croner's memory run registers this many instead; its registration time
 * is reported per task and scaled to MEMORY_TASKS (marked `~`).
 */
const CRONER_MEMORY_TASKS = 10_000;
const WARMUP_TASKS = 1_000;
const LATENESS_ROUNDS = 5;
/** A 10-20 ms burst on 2 shared cores swings by 2x between identical rounds: more rounds, steadier medians. */
const BURST_ROUNDS = 9;
const MEMORY_ROUNDS = 2;
/** Idle time, at least, between the end of registration and the first due task. */
const LEAD_MS = 1_000;
/**
 * A lateness or burst round whose registration ended less than this before the first due time
 * (the machine stalled during registration) measured registration, not firing: it is run again,
 * once; a second such round is kept out of the medians and counted in the output.
 */
const MIN_LEAD_MS = 250;
const TARGET_P99_MS = 1;
const TARGET_MAX_MS = 10;
const TARGET_BURST_RATIO = 1.0;
const REGISTER_TARGET_MS = 1_250;
const CHILD_TIMEOUT_MS: Record<Scenario, number> = { lateness: 90_000, noise: 60_000, burst: 90_000, memory: 180_000 };

type Scenario = 'lateness' | 'noise' | 'burst' | 'memory';
/** `control`: no scheduler, only the machine-noise probe (see childNoise). */
type ImplName = 'ours' | 'croner' | 'cron-schedule' | 'control';
interface Job {
  scenario: Scenario;
  impl: ImplName;
  /** Ours only: the Scheduler's `concurrency` option (undefined: the default). */
  concurrency?: number;
  /** Memory only: pending tasks to register (default MEMORY_TASKS). */
  tasks?: number;
}

// --- the implementations, behind one small interface ------------------------------------------

interface Impl {
  /** Adds one task due at `due` (ms); `hit(due)` must be called when its function runs. */
  add(due: number): Promise<unknown> | undefined;
  stop(): Promise<void>;
}

async function createImpl(job: Job, hit: (due: number) => void): Promise<Impl> {
  if (job.impl === 'ours') {
    const scheduler = new Scheduler(job.concurrency === undefined ? {} : { concurrency: job.concurrency });
    scheduler.register('tick', (_parameters, context) => hit(context.scheduled_at));
    await scheduler.start();
    return {
      add: (due) =>
        scheduler.schedule({
          requester_id: 'bench',
          schedule: { rules: [{ at: new Date(due).toISOString() }] },
          target: { kind: 'function', name: 'tick' },
        }),
      stop: () => scheduler.stop({ timeoutMs: 1_000 }),
    };
  }
  if (job.impl === 'croner') {
    const jobs: Cron[] = [];
    return {
      add: (due) => {
        jobs.push(new Cron(new Date(due), {}, () => hit(due)));
        return undefined;
      },
      stop: async () => {
        for (const each of jobs) each.stop();
      },
    };
  }
  const handles: ReturnType<typeof TimerBasedCronScheduler.setTimeout>[] = [];
  return {
    add: (due) => {
      handles.push(TimerBasedCronScheduler.setTimeout(parseCronExpression(utcSecondCron(due)), () => hit(due)));
      return undefined;
    },
    stop: async () => {
      for (const handle of handles) TimerBasedCronScheduler.clearTimeoutOrInterval(handle);
    },
  };
}

/** `s m h D M *` for the whole UTC second `due` (cron-schedule reads local time; children run with TZ=UTC). */
function utcSecondCron(due: number): string {
  const d = new Date(due);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
}

// --- child side ---------------------------------------------------------------------------------

const perfNow = () => performance.timeOrigin + performance.now();
const ceilSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

/** Due times of `n` tasks from `base` over `spreadMs`: ms-spread, or whole seconds for cron-schedule. */
function spreadDues(impl: ImplName, base: number, n: number, spreadMs: number): number[] {
  const seconds = Math.max(1, Math.round(spreadMs / 1000));
  return Array.from({ length: n }, (_, i) =>
    impl === 'cron-schedule' ? base + Math.floor((i * seconds) / n) * 1000 : base + Math.floor((i * spreadMs) / n),
  );
}

/**
 * Wall clock (Date.now) minus the clock lateness is read with (timeOrigin + performance.now()), in ms.
 * Date.now() truncates to the ms, so `Date.now() - perfNow()` lies in (offset - 1, offset]: the
 * largest of many samples spread over a few ms is the offset.
 */
function clockOffsetMs(): number {
  let offset = Number.NEGATIVE_INFINITY;
  const end = performance.now() + 20;
  while (performance.now() < end) offset = Math.max(offset, Date.now() - perfNow());
  return offset;
}

/** Two full collections (children run with --expose-gc). */
function collect(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the scheduler benchmark children need --expose-gc');
  gc();
  gc();
}

/**
 * Registers `dues` in order, calls `afterRegister` (a GC, so the measured window pays only for the
 * garbage it makes itself), and waits until all ran or `deadline` (epoch ms) passed.
 */
async function runBatch(
  impl: Impl,
  dues: readonly number[],
  record: { count: number; done: (() => void) | null },
  deadline: number,
  afterRegister: () => void,
): Promise<{ registerMs: number; registeredAt: number; cpuMs: number }> {
  record.count = 0;
  const finished = new Promise<void>((resolve) => {
    record.done = resolve;
  });
  const t0 = performance.now();
  for (const due of dues) {
    const pending = impl.add(due);
    if (pending !== undefined) await pending;
  }
  const registerMs = performance.now() - t0;
  afterRegister();
  const registeredAt = Date.now();
  const cpu = process.cpuUsage();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
  clearTimeout(timer);
  const used = process.cpuUsage(cpu);
  return { registerMs, registeredAt, cpuMs: (used.user + used.system) / 1000 };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);
}

async function childLatenessOrBurst(job: Job): Promise<Record<string, unknown>> {
  const lateness = new Float64Array(TASKS);
  const record = { count: 0, done: null as (() => void) | null, expected: 0, last: 0 };
  const burst = job.scenario === 'burst';
  // Burst only: the main thread's CPU time from the first run to the last (a wall-clock window of
  // 10-20 ms on 2 shared cores mostly measures who was descheduled; CPU time does not).
  const cpu = { first: 0, last: 0 };
  const threadCpuMs = () => {
    const used = process.threadCpuUsage();
    return (used.user + used.system) / 1000;
  };
  const hit = (due: number) => {
    const late = perfNow() - due;
    if (record.count < lateness.length) lateness[record.count] = late;
    record.last = late;
    if (burst && record.count === 0) cpu.first = threadCpuMs();
    if (++record.count === record.expected) {
      if (burst) cpu.last = threadCpuMs();
      record.done?.();
    }
  };
  const shape = (base: number, n: number) =>
    burst ? new Array<number>(n).fill(base) : spreadDues(job.impl, base, n, (SPREAD_MS * n) / TASKS);

  // Warm-up on a throwaway instance (so the measured one starts empty), with the same shape: for
  // lateness a tenth of the tasks over a tenth of the time, for burst a whole burst. Its
  // registration rate sets the lead of the measured run.
  const warmTasks = burst ? TASKS : WARMUP_TASKS;
  const warmImpl = await createImpl(job, hit);
  record.expected = warmTasks;
  const warmBase = ceilSecond(Date.now() + 500 + (burst ? 500 : 0));
  const warm = await runBatch(warmImpl, shape(warmBase, warmTasks), record, warmBase + SPREAD_MS + 5_000, collect);
  const warmFired = record.count;
  await warmImpl.stop();

  const impl = await createImpl(job, hit);
  collect();
  const offsetBefore = clockOffsetMs();
  const expectedRegisterMs = (warm.registerMs / warmTasks) * TASKS;
  const base = ceilSecond(Date.now() + 1.5 * expectedRegisterMs + LEAD_MS);
  record.expected = TASKS;
  lateness.fill(Number.NaN);
  const run = await runBatch(impl, shape(base, TASKS), record, base + SPREAD_MS + 15_000, collect);
  const fired = record.count;
  const offsetAfter = clockOffsetMs();
  await impl.stop();

  const sorted = lateness.slice(0, Math.min(fired, TASKS)).sort();
  const common = {
    fired,
    warmupFired: warmFired,
    registerMs: run.registerMs,
    leadMs: base - run.registeredAt,
    /** CPU time from the end of registration until the last task ran (includes the idle lead). */
    cpuMs: run.cpuMs,
    wallMinusPerfMs: [offsetBefore, offsetAfter],
  };
  if (burst) {
    return {
      ...common,
      drainMs: fired === TASKS ? record.last : Number.NaN,
      drainCpuMs: fired === TASKS ? cpu.last - cpu.first : Number.NaN,
      firstMs: lateness[0],
      p50Ms: percentile(sorted, 0.5),
    };
  }
  return {
    ...common,
    minMs: sorted[0],
    over1Ms: sorted.filter((late) => late > 1).length,
    over10Ms: sorted.filter((late) => late > 10).length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1],
  };
}

/**
 * Machine-noise control for the lateness maxima: an event loop that does nothing but poll on
 * setImmediate for as long as the lateness run fires (as ours does in its last 2 ms before each
 * fire, which on that run is nearly all the time). Gaps between polls are stalls no scheduler could
 * avoid: the OS descheduling the process, other work on the shared cores.
 */
async function childNoise(): Promise<Record<string, unknown>> {
  let polls = 0;
  let over1 = 0;
  let over10 = 0;
  let max = 0;
  let stalled = 0;
  let last = performance.now();
  const end = last + SPREAD_MS;
  await new Promise<void>((resolve) => {
    const poll = () => {
      const now = performance.now();
      const gap = now - last;
      last = now;
      polls++;
      if (gap > 1) {
        over1++;
        stalled += gap - 1;
      }
      if (gap > 10) over10++;
      if (gap > max) max = gap;
      if (now < end) setImmediate(poll);
      else resolve();
    };
    setImmediate(poll);
  });
  return { polls, maxMs: max, over1Ms: over1, over10Ms: over10, stallMs: stalled };
}

async function childMemory(job: Job): Promise<Record<string, unknown>> {
  const hitNever = () => {
    throw new Error('a memory-scenario task ran: its due times are an hour ahead');
  };
  const tasks = job.tasks ?? MEMORY_TASKS;
  const base = ceilSecond(Date.now() + 3_600_000);
  // Warm-up on a throwaway instance, so the measured registration runs JIT-compiled code.
  const warm = await createImpl(job, hitNever);
  for (let i = 0; i < WARMUP_TASKS; i++) await warm.add(base + (tasks + i) * 1000);
  await warm.stop();

  const impl = await createImpl(job, hitNever);
  collect();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  // Due times are built inside the loop: whatever an implementation keeps of its input is counted.
  for (let i = 0; i < tasks; i++) {
    const pending = impl.add(base + i * 1000);
    if (pending !== undefined) await pending;
  }
  const registerMs = performance.now() - t0;
  collect();
  const after = process.memoryUsage().heapUsed;
  await impl.stop();
  return {
    tasks,
    registerMs,
    registerUsPerTask: (registerMs / tasks) * 1000,
    bytesPerTask: (after - before) / tasks,
    heapBefore: before,
    heapAfter: after,
  };
}

// --- parent side --------------------------------------------------------------------------------

type Outcome = ChildOutcome<Job, Record<string, number | number[] | undefined>>;

function runChild(job: Job): Promise<Outcome> {
  return runChildJob(import.meta.filename, job, CHILD_TIMEOUT_MS[job.scenario], { ...process.env, TZ: 'UTC' });
}

const LABELS: Record<ImplName, string> = {
  ours: 'ours',
  croner: 'croner 11.0.1',
  'cron-schedule': 'cron-schedule 6.0.0',
  control: 'control: bare setImmediate poll loop',
};
const label = (job: Job) =>
  job.impl === 'ours' ? `ours (concurrency ${job.concurrency ?? '100, default'})` : LABELS[job.impl];

async function parent(): Promise<void> {
  const outcomes: Outcome[] = [];
  const invalid: Outcome[] = [];
  const run = async (job: Job) => {
    for (let attempt = 1; ; attempt++) {
      const outcome = await runChild(job);
      if (outcome.error) console.log(`  ${job.scenario} / ${label(job)}: FAILED (${outcome.error})`);
      const lead = outcome.result?.['leadMs'];
      if (typeof lead === 'number' && lead < MIN_LEAD_MS) {
        console.log(`  ${job.scenario} / ${label(job)}: registration overran (lead ${lead} ms), round dropped`);
        invalid.push(outcome);
        if (attempt < 2) continue;
        return;
      }
      outcomes.push(outcome);
      return;
    }
  };
  const latenessJobs: Job[] = [
    { scenario: 'lateness', impl: 'ours' },
    { scenario: 'lateness', impl: 'croner' },
    { scenario: 'lateness', impl: 'cron-schedule' },
  ];
  const noiseJob: Job = { scenario: 'noise', impl: 'control' };
  const burstJobs: Job[] = [
    { scenario: 'burst', impl: 'ours', concurrency: 10_000 },
    { scenario: 'burst', impl: 'ours' },
    { scenario: 'burst', impl: 'croner' },
    { scenario: 'burst', impl: 'cron-schedule' },
  ];
  const memoryJobs: Job[] = [
    { scenario: 'memory', impl: 'ours' },
    { scenario: 'memory', impl: 'croner', tasks: CRONER_MEMORY_TASKS },
    { scenario: 'memory', impl: 'cron-schedule' },
  ];
  const plan: [Job[], number][] = [
    [[...latenessJobs, noiseJob], LATENESS_ROUNDS],
    [burstJobs, BURST_ROUNDS],
    [memoryJobs, MEMORY_ROUNDS],
  ];
  for (const [jobs, rounds] of plan) {
    const scenario = jobs[0]?.scenario as Scenario;
    console.log(`running ${scenario}: ${rounds} round(s) × ${jobs.length} child processes …`);
    for (let round = 0; round < rounds; round++) for (const job of jobs) await run(job);
  }

  /** Median over rounds of `field` for `job`, or NaN when no round produced it. */
  const med = (job: Job, field: string) =>
    median(
      outcomes
        .filter((o) => JSON.stringify(o.job) === JSON.stringify(job) && o.result)
        .map((o) => Number(o.result?.[field])),
    );
  const all = (job: Job, field: string) =>
    outcomes
      .filter((o) => JSON.stringify(o.job) === JSON.stringify(job))
      .map((o) => (o.result ? Number(o.result[field]) : Number.NaN));
  const summarize = (job: Job, fields: string[]) => ({
    implementation: label(job),
    ...Object.fromEntries(fields.map((f) => [f, { median: med(job, f), rounds: all(job, f) }])),
  });

  const clockOffset = median(
    outcomes.flatMap((o) => (Array.isArray(o.result?.['wallMinusPerfMs']) ? o.result['wallMinusPerfMs'] : [])),
  );

  // Scenario 1.
  const [lOurs] = latenessJobs as [Job];
  const oursP99 = med(lOurs, 'p99Ms');
  const oursMax = med(lOurs, 'maxMs');
  const passP99 = oursP99 <= TARGET_P99_MS;
  const passMax = oursMax <= TARGET_MAX_MS;
  const latenessRows = [
    [
      'implementation',
      'due times',
      'p50 ms',
      'p99 ms',
      'max ms',
      '> 1 ms',
      '> 10 ms',
      'fired',
      'CPU ms',
      'p99 / ours p99',
      'target',
    ],
    ...latenessJobs.map((job) => [
      label(job),
      job.impl === 'cron-schedule' ? '1,000 per whole second' : '1 per ms',
      ms(med(job, 'p50Ms')),
      ms(med(job, 'p99Ms')),
      ms(med(job, 'maxMs')),
      count(med(job, 'over1Ms')),
      count(med(job, 'over10Ms')),
      count(med(job, 'fired')),
      count(med(job, 'cpuMs')),
      ratio(med(job, 'p99Ms') / oursP99),
      job.impl === 'ours' ? `p99 ${passP99 ? 'PASS' : 'FAIL'}, max ${passMax ? 'PASS' : 'FAIL'}` : '',
    ]),
  ];
  console.log(
    `\nScheduler 1. lateness: ${count(TASKS)} one-shot tasks over ${SPREAD_MS / 1000} s, median of ${LATENESS_ROUNDS} rounds`,
  );
  console.log(`target: ours p99 <= ${TARGET_P99_MS} ms and max <= ${TARGET_MAX_MS} ms\n`);
  latenessRows.push([
    label(noiseJob),
    `polls for ${SPREAD_MS / 1000} s`,
    '',
    '',
    ms(med(noiseJob, 'maxMs')),
    count(med(noiseJob, 'over1Ms')),
    count(med(noiseJob, 'over10Ms')),
    '',
    '',
    '',
    '',
  ]);
  printTable(latenessRows, 2);
  const noiseMax = med(noiseJob, 'maxMs');
  console.log(
    `\ncontrol: the machine stalled a bare poll loop for ${count(med(noiseJob, 'stallMs'))} ms in all (gaps beyond 1 ms, median of rounds); on a 1-per-ms schedule that alone makes about as many tasks > 1 ms late (p99 <= 1 ms allows ${count(TASKS / 100)}).`,
  );
  if (noiseMax > TARGET_MAX_MS) {
    console.log(
      `\nWARNING: the machine itself stalled a bare poll loop for up to ${ms(noiseMax)} ms (median of rounds), more than the max target: this run's lateness maxima (and p99, if the stalls were frequent) measure the machine's load, not the schedulers. Run again on a quieter machine.`,
    );
  }
  console.log(
    '\ncron-schedule resolves whole seconds only: its 10,000 tasks fall due 1,000 at a time, on 10 whole seconds.',
  );
  console.log(
    'CPU ms: CPU time of the process from the end of registration until the last task ran (~1-3 s idle lead + 10 s).',
  );
  console.log(
    '> 1 ms, > 10 ms: tasks that late (control: gaps between polls that long, i.e. stalls of the machine, not of a scheduler).',
  );
  console.log(
    `lateness is read with performance.timeOrigin + performance.now(); that clock differed from Date.now() by a median ${ms(clockOffset)} ms.`,
  );

  // Scenario 2.
  const [bOurs10k, bOursDefault, , bCronSchedule] = burstJobs as [Job, Job, Job, Job];
  const csDrain = med(bCronSchedule, 'drainMs');
  const burstPass = (job: Job) => csDrain / med(job, 'drainMs') >= TARGET_BURST_RATIO;
  const burstRows = [
    [
      'implementation',
      'drain ms (due → 10,000th run)',
      'first run ms',
      'main-thread CPU ms, 1st → 10,000th run',
      'fired',
      'cron-sch. / this',
      'target',
    ],
    ...burstJobs.map((job) => [
      label(job),
      ms(med(job, 'drainMs')),
      ms(med(job, 'firstMs')),
      ms(med(job, 'drainCpuMs')),
      count(med(job, 'fired')),
      ratio(csDrain / med(job, 'drainMs')),
      job.impl === 'ours' ? (burstPass(job) ? 'PASS' : 'FAIL') : '',
    ]),
  ];
  console.log(
    `\nScheduler 2. burst: ${count(TASKS)} tasks due at the same instant (a whole second), median of ${BURST_ROUNDS} rounds`,
  );
  console.log(`target: cron-schedule's drain time / ours >= ${TARGET_BURST_RATIO.toFixed(1)}\n`);
  printTable(burstRows, 1);
  console.log(
    '\nmain-thread CPU: process.threadCpuUsage() read in the 1st and the 10,000th task function; without the time the process was not running.',
  );

  // Scenario 3.
  const [mOurs, , mCronSchedule] = memoryJobs as [Job, Job, Job];
  const oursBytes = med(mOurs, 'bytesPerTask');
  const oursRegister = med(mOurs, 'registerMs');
  const passBytes = oursBytes <= med(mCronSchedule, 'bytesPerTask');
  const passRegister = oursRegister <= REGISTER_TARGET_MS;
  /** Registration time scaled to MEMORY_TASKS (croner registers fewer, see CRONER_MEMORY_TASKS). */
  const register100k = (job: Job) => (med(job, 'registerUsPerTask') * MEMORY_TASKS) / 1000;
  const scaled = (job: Job) => (job.tasks !== undefined && job.tasks !== MEMORY_TASKS ? '~' : '');
  const memoryRows = [
    [
      'implementation',
      'tasks',
      'heap B/task',
      'this B / ours B',
      `register ${count(MEMORY_TASKS)} ms`,
      'µs/task',
      'this time / ours',
      'target',
    ],
    ...memoryJobs.map((job) => [
      label(job),
      count(med(job, 'tasks')),
      count(med(job, 'bytesPerTask')),
      ratio(med(job, 'bytesPerTask') / oursBytes),
      `${scaled(job)}${count(register100k(job))}`,
      med(job, 'registerUsPerTask').toFixed(2),
      ratio(register100k(job) / oursRegister),
      job.impl === 'ours' ? `B/task ${passBytes ? 'PASS' : 'FAIL'}, time ${passRegister ? 'PASS' : 'FAIL'}` : '',
    ]),
  ];
  console.log(
    `\nScheduler 3. memory and registration: ${count(MEMORY_TASKS)} pending tasks due from an hour ahead, median of ${MEMORY_ROUNDS} rounds`,
  );
  console.log(
    `targets: ours B/task <= cron-schedule's; ours registers ${count(MEMORY_TASKS)} in about 1 s (PASS <= ${count(REGISTER_TARGET_MS)} ms)\n`,
  );
  printTable(memoryRows, 1);
  console.log(
    `\ncroner: ${count(CRONER_MEMORY_TASKS)} tasks only (at ~75 KB per one-shot job, ${count(MEMORY_TASKS)} exceed Node's default heap); its time is scaled (~).`,
  );

  const targets = {
    latenessP99: passP99,
    latenessMax: passMax,
    burstConcurrency10000: burstPass(bOurs10k),
    burstDefaultConcurrency: burstPass(bOursDefault),
    bytesPerTask: passBytes,
    register: passRegister,
  };
  const failed = Object.entries(targets).filter(([, pass]) => !pass);
  const crashed = outcomes.filter((o) => o.error);
  console.log(
    `\n${failed.length === 0 ? 'RESULT: all targets PASS' : `RESULT: ${failed.length} target(s) FAIL: ${failed.map(([name]) => name).join(', ')}`}`,
  );
  if (crashed.length > 0) console.log(`WARNING: ${crashed.length} child process(es) failed (see above)`);
  if (invalid.length > 0) console.log(`NOTE: ${invalid.length} round(s) dropped because registration overran`);
  console.log(
    JSON.stringify({
      bench: 'scheduler',
      date: new Date().toISOString(),
      node: process.version,
      method: {
        tasks: TASKS,
        spreadMs: SPREAD_MS,
        memoryTasks: MEMORY_TASKS,
        cronerMemoryTasks: CRONER_MEMORY_TASKS,
        warmupTasks: WARMUP_TASKS,
        rounds: { lateness: LATENESS_ROUNDS, burst: BURST_ROUNDS, memory: MEMORY_ROUNDS },
        leadMs: LEAD_MS,
        cronScheduleResolution: 'whole seconds',
      },
      targets: {
        p99Ms: TARGET_P99_MS,
        maxMs: TARGET_MAX_MS,
        burstCronScheduleOverOurs: TARGET_BURST_RATIO,
        bytesPerTask: 'ours <= cron-schedule',
        registerMs: REGISTER_TARGET_MS,
      },
      pass: targets,
      lateness: latenessJobs.map((job) =>
        summarize(job, [
          'p50Ms',
          'p99Ms',
          'maxMs',
          'minMs',
          'over1Ms',
          'over10Ms',
          'fired',
          'cpuMs',
          'leadMs',
          'registerMs',
        ]),
      ),
      noise: summarize(noiseJob, ['maxMs', 'over1Ms', 'over10Ms', 'stallMs', 'polls']),
      noisyMachine: med(noiseJob, 'maxMs') > TARGET_MAX_MS,
      burst: burstJobs.map((job) => summarize(job, ['drainMs', 'drainCpuMs', 'firstMs', 'p50Ms', 'fired', 'leadMs'])),
      memory: memoryJobs.map((job) => summarize(job, ['tasks', 'bytesPerTask', 'registerMs', 'registerUsPerTask'])),
      clockOffsetMs: clockOffset,
      failures: crashed.map((o) => ({ job: o.job, error: o.error })),
      droppedRounds: invalid.map((o) => ({ job: o.job, leadMs: o.result?.['leadMs'] })),
    }),
  );
  if (crashed.length > 0) process.exitCode = 1;
}

// --- report helpers ------------------------------------------------------------------------------

function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(Math.abs(x) < 10 ? 3 : 1) : 'n/a';
}

// --- entry ---------------------------------------------------------------------------------------

if (process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3] ?? '{}') as Job;
  const result =
    job.scenario === 'memory'
      ? await childMemory(job)
      : job.scenario === 'noise'
        ? await childNoise()
        : await childLatenessOrBurst(job);
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  await parent();
}
