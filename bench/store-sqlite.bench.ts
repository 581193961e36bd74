/**
 * store-sqlite: what durability costs the Scheduler, with `@br-sdk/schedule-sqlite` as its store
 * next to the in-memory store (the reference: the same Scheduler, nothing durable).
 *
 * Scenarios and targets (from the issue):
 *   1. registration: tasks per second through `Scheduler.schedule` (one-shot tasks due an hour
 *      ahead), with 1,000 calls in flight, into SqliteTaskStore with `synchronous: 'full'` (the
 *      default: fsync at every commit) and `'normal'`, and into MemoryTaskStore. The SQLite rows
 *      run again with 10 calls in flight and with 1: with 1 every registration is a transaction of
 *      its own, which shows what group commit buys and what an fsync costs. After each round the child closes the
 *      store, reopens the file and counts the tasks in it ("durable": all of them are there).
 *      Target: SQLite with the default (`full`), 1,000 in flight, >= 5,000 tasks/s.
 *   2. restore: a file holding 100,000 tasks (99,999 one-shots due from an hour ahead, one due at
 *      once) is opened by a freshly spawned Node process, which starts a Scheduler on it. Measured:
 *      time from spawn to the first task's function running (target <= 5 s), with its parts, and
 *      heap bytes per task once restored (heapUsed after GC, minus before opening the store). As the
 *      reference, the same 100,000 tasks registered in-process on MemoryTaskStore.
 *
 * Method. Every measurement runs in its own child process (this file with `--child`), one at a
 * time, each killed by PID after a hard timeout. Registration children warm up on 1,000 tasks
 * first; rounds alternate the implementations (A B C A B C …) and the tables show medians. The
 * restore file is built once (through the Scheduler, on a clock that does not move, so nothing
 * fires); each restore round opens a fresh copy, because firing changes the file. Children run
 * with `--expose-gc` and collect twice before each heap reading.
 *
 * Direct run: node --conditions=source bench/store-sqlite.bench.ts (run.ts adds the flag).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryTaskStore, Scheduler, type TaskStore } from '@br-sdk/schedule';
import { FakeClock } from '@br-sdk/schedule/testing';
import { SqliteTaskStore, type SynchronousMode } from '@br-sdk/schedule-sqlite';
import { type ChildOutcome, runChildJob } from './lib/child-job.ts';
import { count, printTable, ratio } from './lib/report.ts';
import { median } from './lib/stats.ts';

const REGISTER_TASKS = 20_000;
/** With few calls in flight each task, or a few, pay a whole commit (an fsync with 'full'): fewer tasks suffice. */
const FEW_IN_FLIGHT_TASKS: Record<number, number> = { 1: 1_000, 10: 5_000 };
const WARMUP_TASKS = 1_000;
const IN_FLIGHT = 1_000;
const REGISTER_ROUNDS = 3;
const RESTORE_TASKS = 100_000;
const RESTORE_ROUNDS = 3;
const REFERENCE_ROUNDS = 2;
const TARGET_TASKS_PER_SECOND = 5_000;
const TARGET_RESTORE_MS = 5_000;
const CHILD_TIMEOUT_MS: Record<Scenario, number> = {
  register: 120_000,
  setup: 600_000,
  restore: 120_000,
  reference: 120_000,
};

type Scenario = 'register' | 'setup' | 'restore' | 'reference';
type StoreKind = 'memory' | 'sqlite-full' | 'sqlite-normal';
interface Job {
  scenario: Scenario;
  store: StoreKind;
  /** Register: calls to `schedule` in flight at once. */
  inFlight?: number;
  /** Setup and restore: the database file. */
  path?: string;
  /** Restore: epoch ms just before the parent spawned the child. */
  spawnedAt?: number;
}

// --- child side ---------------------------------------------------------------------------------

/** Two full collections (children run with --expose-gc). */
function collect(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the store-sqlite benchmark children need --expose-gc');
  gc();
  gc();
}

const oneShot = (at: number) => ({
  requester_id: 'bench',
  schedule: { rules: [{ at: new Date(at).toISOString() }] },
  target: { kind: 'function', name: 'tick' },
});

/** Schedules `count` one-shots with `inFlight` calls outstanding at any time; `dueAt(i)` in epoch ms. */
async function registerMany(
  scheduler: Scheduler,
  count: number,
  inFlight: number,
  dueAt: (i: number) => number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await scheduler.schedule(oneShot(dueAt(next++)));
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

async function openStore(kind: StoreKind, path: string): Promise<TaskStore> {
  if (kind === 'memory') return new MemoryTaskStore();
  const synchronous: SynchronousMode = kind === 'sqlite-full' ? 'full' : 'normal';
  return SqliteTaskStore.open({ path, synchronous });
}

async function countStoredTasks(path: string): Promise<number> {
  const store = await SqliteTaskStore.open({ path });
  const [row] = (await store.raw.adapter.query(
    "SELECT count(*) AS n FROM keyv WHERE key >= 'task:' AND key < 'task;'",
  )) as { n: number }[];
  await store.close();
  return row?.n ?? 0;
}

async function childRegister(job: Job): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'br-bench-sqlite-'));
  try {
    const path = join(dir, 'tasks.db');
    const store = await openStore(job.store, path);
    const scheduler = new Scheduler({ store });
    scheduler.register('tick', () => undefined);
    await scheduler.start();
    const inFlight = job.inFlight ?? IN_FLIGHT;
    const tasks = FEW_IN_FLIGHT_TASKS[inFlight] ?? REGISTER_TASKS;
    const base = Math.ceil((Date.now() + 3_600_000) / 1000) * 1000;
    await registerMany(scheduler, WARMUP_TASKS, inFlight, (i) => base + i * 1000);
    const before = store instanceof SqliteTaskStore ? store.stats : null;
    const t0 = performance.now();
    await registerMany(scheduler, tasks, inFlight, (i) => base + (WARMUP_TASKS + i) * 1000);
    const registerMs = performance.now() - t0;
    const after = store instanceof SqliteTaskStore ? store.stats : null;
    await scheduler.stop();
    await store.close?.();
    const stored = store instanceof SqliteTaskStore ? await countStoredTasks(path) : null;
    const transactions = before && after ? after.transactions - before.transactions : null;
    return {
      tasks,
      registerMs,
      tasksPerSecond: (tasks / registerMs) * 1000,
      transactions,
      writesPerTransaction: transactions ? tasks / transactions : null,
      durable: stored === null ? null : stored === WARMUP_TASKS + tasks,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the restore file: the clock never moves, so nothing fires and every task stays pending. */
async function childSetup(job: Job): Promise<Record<string, unknown>> {
  const path = job.path as string;
  const t0 = Date.now();
  const store = await SqliteTaskStore.open({ path });
  const scheduler = new Scheduler({ store, clock: new FakeClock(t0) });
  scheduler.register('tick', () => undefined);
  await scheduler.start();
  const base = t0 + 3_600_000;
  const started = performance.now();
  await registerMany(scheduler, RESTORE_TASKS - 1, IN_FLIGHT, (i) => base + i * 1000);
  // Due 1 ms after the setup clock's now: long past when a restore child starts, so due at once.
  await scheduler.schedule(oneShot(t0 + 1));
  const registerMs = performance.now() - started;
  await scheduler.stop();
  await store.close();
  return { tasks: RESTORE_TASKS, registerMs, fileBytes: statSync(path).size };
}

async function childRestore(job: Job): Promise<Record<string, unknown>> {
  const mainAt = Date.now(); // modules (core from TypeScript sources, keyv, the sqlite3 addon) are loaded
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const store = await SqliteTaskStore.open({ path: job.path as string });
  const openedAt = Date.now();
  const scheduler = new Scheduler({ store });
  let firedAt = 0;
  const fired = new Promise<void>((resolve) => {
    scheduler.register('tick', () => {
      if (firedAt === 0) firedAt = Date.now();
      resolve();
    });
  });
  await scheduler.start();
  const startedAt = Date.now();
  await fired;
  collect();
  const heapAfter = process.memoryUsage().heapUsed;
  await scheduler.stop();
  await store.close();
  const spawnedAt = job.spawnedAt as number;
  return {
    tasks: RESTORE_TASKS,
    firstFireMs: firedAt - spawnedAt,
    bootMs: mainAt - spawnedAt,
    openMs: openedAt - mainAt,
    startMs: startedAt - openedAt,
    fireAfterStartMs: firedAt - startedAt,
    bytesPerTask: (heapAfter - heapBefore) / RESTORE_TASKS,
  };
}

/** The same tasks registered in-process on MemoryTaskStore: the heap a Scheduler needs for them anyway. */
async function childReference(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const store = new MemoryTaskStore();
  const scheduler = new Scheduler({ store, clock: new FakeClock(t0) });
  scheduler.register('tick', () => undefined);
  await scheduler.start();
  await registerMany(scheduler, RESTORE_TASKS, IN_FLIGHT, (i) => t0 + 3_600_000 + i * 1000);
  collect();
  const heapAfter = process.memoryUsage().heapUsed;
  await scheduler.stop();
  return { tasks: RESTORE_TASKS, bytesPerTask: (heapAfter - heapBefore) / RESTORE_TASKS };
}

// --- parent side --------------------------------------------------------------------------------

type Outcome = ChildOutcome<Job, Record<string, number | boolean | null>>;

/** A restore job learns when it was spawned, to time from process start to its first fire. */
function runChild(job: Job): Promise<Outcome> {
  const spawned = job.scenario === 'restore' ? { ...job, spawnedAt: Date.now() } : job;
  return runChildJob(import.meta.filename, spawned, CHILD_TIMEOUT_MS[job.scenario]);
}

const STORE_LABELS: Record<StoreKind, string> = {
  memory: 'MemoryTaskStore (reference)',
  'sqlite-full': "SqliteTaskStore, synchronous 'full' (default)",
  'sqlite-normal': "SqliteTaskStore, synchronous 'normal'",
};

async function parent(): Promise<void> {
  const outcomes: Outcome[] = [];
  const run = async (job: Job) => {
    const outcome = await runChild(job);
    if (outcome.error) console.log(`  ${job.scenario} / ${job.store}: FAILED (${outcome.error})`);
    outcomes.push(outcome);
    return outcome;
  };
  const of = (job: Job) => outcomes.filter((o) => o.job === job && o.result);
  const med = (job: Job, field: string) => median(of(job).map((o) => Number(o.result?.[field])));
  const all = (job: Job, field: string) => of(job).map((o) => o.result?.[field] ?? null);

  // Scenario 1.
  const registerJobs: Job[] = [
    { scenario: 'register', store: 'memory', inFlight: IN_FLIGHT },
    { scenario: 'register', store: 'sqlite-full', inFlight: IN_FLIGHT },
    { scenario: 'register', store: 'sqlite-normal', inFlight: IN_FLIGHT },
    { scenario: 'register', store: 'sqlite-full', inFlight: 10 },
    { scenario: 'register', store: 'sqlite-normal', inFlight: 10 },
    { scenario: 'register', store: 'sqlite-full', inFlight: 1 },
    { scenario: 'register', store: 'sqlite-normal', inFlight: 1 },
  ];
  for (let round = 0; round < REGISTER_ROUNDS; round++) for (const job of registerJobs) await run(job);

  // Scenario 2.
  const dir = mkdtempSync(join(tmpdir(), 'br-bench-sqlite-restore-'));
  const setupJob: Job = { scenario: 'setup', store: 'sqlite-full', path: join(dir, 'setup.db') };
  const restoreJob: Job = { scenario: 'restore', store: 'sqlite-full' };
  const referenceJob: Job = { scenario: 'reference', store: 'memory' };
  try {
    const setup = await run(setupJob);
    if (setup.result) {
      for (let round = 0; round < RESTORE_ROUNDS; round++) {
        const path = join(dir, `restore-${round}.db`);
        copyFileSync(setupJob.path as string, path);
        const outcome = await runChild({ ...restoreJob, path });
        if (outcome.error) console.log(`  restore: FAILED (${outcome.error})`);
        outcomes.push({ ...outcome, job: restoreJob });
        rmSync(path, { force: true });
      }
    }
    for (let round = 0; round < REFERENCE_ROUNDS; round++) await run(referenceJob);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // --- report ----------------------------------------------------------------------------------

  const [memoryJob, fullJob] = registerJobs as [Job, Job];
  const memoryRate = med(memoryJob, 'tasksPerSecond');
  const fullRate = med(fullJob, 'tasksPerSecond');
  const passRegister = fullRate >= TARGET_TASKS_PER_SECOND;
  const durable = (job: Job) => {
    const flags = all(job, 'durable');
    if (job.store === 'memory') return 'n/a (not durable)';
    return flags.length > 0 && flags.every((f) => f === true) ? `yes, ${flags.length}/${flags.length} rounds` : 'NO';
  };
  const registerRows = [
    [
      'store',
      'in flight',
      'tasks/s',
      'vs memory',
      'transactions',
      'writes/transaction',
      'all in file after reopen',
      'target',
    ],
    ...registerJobs.map((job) => [
      STORE_LABELS[job.store],
      count(job.inFlight ?? IN_FLIGHT),
      count(med(job, 'tasksPerSecond')),
      ratio(med(job, 'tasksPerSecond') / memoryRate),
      job.store === 'memory' ? 'n/a' : count(med(job, 'transactions')),
      job.store === 'memory' ? 'n/a' : med(job, 'writesPerTransaction').toFixed(1),
      durable(job),
      job === fullJob ? `>= ${count(TARGET_TASKS_PER_SECOND)}/s ${passRegister ? 'PASS' : 'FAIL'}` : '',
    ]),
  ];
  console.log(
    `\nstore-sqlite 1. registration through Scheduler.schedule (one-shots due in an hour), median of ${REGISTER_ROUNDS} rounds`,
  );
  console.log(
    `tasks per round: ${count(REGISTER_TASKS)} with ${count(IN_FLIGHT)} calls in flight, ${Object.entries(
      FEW_IN_FLIGHT_TASKS,
    )
      .map(([inFlight, tasks]) => `${count(tasks)} with ${inFlight}`)
      .join(', ')}; after ${count(WARMUP_TASKS)} warm-up tasks`,
  );
  console.log(
    `target: SQLite, default synchronous ('full'), ${count(IN_FLIGHT)} in flight: >= ${count(TARGET_TASKS_PER_SECOND)} tasks/s\n`,
  );
  printTable(registerRows, 1);
  console.log(
    '\nA registration resolves only once its transaction is committed (with full: fsynced). With 1 call in flight every',
  );
  console.log(
    "task pays a whole commit, and 'full' its fsync; with many, group commit shares one commit among a batch.",
  );

  const passRestore = med(restoreJob, 'firstFireMs') <= TARGET_RESTORE_MS;
  const referenceBytes = med(referenceJob, 'bytesPerTask');
  const restoreRows = [
    [
      'what',
      'spawn → first fire ms',
      'node boot + imports ms',
      'open store ms',
      'scheduler.start() ms',
      'start → fire ms',
      'heap B/task',
      'vs reference',
      'target',
    ],
    [
      `restore ${count(RESTORE_TASKS)} tasks from SQLite`,
      count(med(restoreJob, 'firstFireMs')),
      count(med(restoreJob, 'bootMs')),
      count(med(restoreJob, 'openMs')),
      count(med(restoreJob, 'startMs')),
      count(med(restoreJob, 'fireAfterStartMs')),
      count(med(restoreJob, 'bytesPerTask')),
      ratio(med(restoreJob, 'bytesPerTask') / referenceBytes),
      `<= ${count(TARGET_RESTORE_MS)} ms ${passRestore ? 'PASS' : 'FAIL'}`,
    ],
    [
      `reference: register ${count(RESTORE_TASKS)} on MemoryTaskStore`,
      'n/a',
      'n/a',
      'n/a',
      'n/a',
      'n/a',
      count(referenceBytes),
      '1.00x',
      '',
    ],
  ];
  const setupResult = of(setupJob)[0]?.result;
  console.log(
    `\nstore-sqlite 2. restore: ${count(RESTORE_TASKS)} stored tasks (one due at once), a new process, median of ${RESTORE_ROUNDS} rounds`,
  );
  console.log(`target: spawn → first fire <= ${count(TARGET_RESTORE_MS)} ms\n`);
  printTable(restoreRows, 1);
  if (setupResult) {
    console.log(
      `\nThe file: ${count(Number(setupResult['fileBytes']))} bytes (${count(Number(setupResult['fileBytes']) / RESTORE_TASKS)} per task), built in ${count(Number(setupResult['registerMs']))} ms.`,
    );
  }
  console.log('heap B/task: heapUsed after GC once the first task fired, minus before the store was opened, per task.');

  const targets = { registerTasksPerSecond: passRegister, restoreFirstFire: passRestore };
  const failed = Object.entries(targets).filter(([, pass]) => !pass);
  const crashed = outcomes.filter((o) => o.error);
  console.log(
    `\n${failed.length === 0 ? 'RESULT: all targets PASS' : `RESULT: ${failed.length} target(s) FAIL: ${failed.map(([name]) => name).join(', ')}`}`,
  );
  if (crashed.length > 0) console.log(`WARNING: ${crashed.length} child process(es) failed (see above)`);
  console.log(
    JSON.stringify({
      bench: 'store-sqlite',
      date: new Date().toISOString(),
      node: process.version,
      method: {
        registerTasks: REGISTER_TASKS,
        fewInFlightTasks: FEW_IN_FLIGHT_TASKS,
        warmupTasks: WARMUP_TASKS,
        inFlight: IN_FLIGHT,
        rounds: { register: REGISTER_ROUNDS, restore: RESTORE_ROUNDS, reference: REFERENCE_ROUNDS },
        restoreTasks: RESTORE_TASKS,
      },
      targets: { tasksPerSecond: TARGET_TASKS_PER_SECOND, restoreFirstFireMs: TARGET_RESTORE_MS },
      pass: targets,
      register: registerJobs.map((job) => ({
        store: job.store,
        inFlight: job.inFlight,
        tasksPerSecond: { median: med(job, 'tasksPerSecond'), rounds: all(job, 'tasksPerSecond') },
        transactions: med(job, 'transactions'),
        writesPerTransaction: med(job, 'writesPerTransaction'),
        durable: all(job, 'durable'),
      })),
      restore: Object.fromEntries(
        ['firstFireMs', 'bootMs', 'openMs', 'startMs', 'fireAfterStartMs', 'bytesPerTask'].map((f) => [
          f,
          { median: med(restoreJob, f), rounds: all(restoreJob, f) },
        ]),
      ),
      reference: { bytesPerTask: { median: referenceBytes, rounds: all(referenceJob, 'bytesPerTask') } },
      setup: setupResult ?? null,
      failures: crashed.map((o) => ({ job: o.job, error: o.error })),
    }),
  );
  if (crashed.length > 0) process.exitCode = 1;
}

// --- report helpers ------------------------------------------------------------------------------

// --- entry ---------------------------------------------------------------------------------------

if (process.argv[2] === '--child') {
  const job = JSON.parse(process.argv[3] ?? '{}') as Job;
  const result =
    job.scenario === 'register'
      ? await childRegister(job)
      : job.scenario === 'setup'
        ? await childSetup(job)
        : job.scenario === 'restore'
          ? await childRestore(job)
          : await childReference();
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  await parent();
}
