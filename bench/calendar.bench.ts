/**
 * Calendar engine: how many "next fire after t" answers per second, for the four calendars users
 * asked for and their union, in Asia/Tehran and America/New_York, next to two cron libraries:
 *   - croner 11 with its `timezone` option (zone-correct, like ours): target ours >= 20x croner;
 *   - cron-schedule 6, zone-naive (it reads the process's wall clock, pinned to UTC here, so it is
 *     the zone-free best case): target ours >= 0.5x cron-schedule.
 * The peers have no `every`; they get the union as the earliest of their three crons' next dates
 * (so they do less work there than ours, which also evaluates the `every` rule).
 *
 * Method. Each implementation walks forward (its answer is fed back as the next `after`) from
 * 2026-01-01 and restarts there after a year, so every call lands in a realistic range. After a
 * warm-up, rounds alternate the implementations (A B C A B C …) and the median ops/s per
 * implementation is kept, so noise from the machine (2 cores, other work) hits all of them alike.
 * Each walker calls a single library method, so its call site stays monomorphic.
 *
 * Direct run: node --conditions=source bench/calendar.bench.ts (run.ts adds the flag).
 */
import type { CompiledSchedule, Rule } from '@br-sdk/schedule';
import { cron, every, union } from '@br-sdk/schedule';
import { type Cron as CronScheduleCron, parseCronExpression } from 'cron-schedule';
import { Cron as CronerJob } from 'croner';
import { median } from './lib/stats.ts';

// Pinned so that cron-schedule, which reads the process's wall clock, is zone-free on any machine.
Object.assign(process.env, { TZ: 'UTC' });

const START = Date.parse('2026-01-01T00:00:00Z');
const END = START + 365 * 86_400_000;
const START_DATE = new Date(START);
const WARMUP_ROUNDS = 3;
const ROUNDS = 9;
const SAMPLE_MS = 100;
const TARGET_VS_CRONER = 20;
const TARGET_VS_CRON_SCHEDULE = 0.5;

const ZONES = ['Asia/Tehran', 'America/New_York'];
const EVERY = every('P10DT3H', { from: '2026-01-01T00:00:00Z' });
const CRONS: Record<string, string> = {
  'Thu 17:00': '0 17 * * 4',
  'Sat 04:00': '0 4 * * 6',
  '3rd 15:00': '0 15 3 * *',
};
const CALENDARS: { name: string; rules: Rule[]; crons: string[] }[] = [
  { name: 'every P10DT3H', rules: [EVERY], crons: [] },
  ...Object.entries(CRONS).map(([name, expr]) => ({ name, rules: [cron(expr)], crons: [expr] })),
  { name: 'union of all 4', rules: [EVERY, ...Object.values(CRONS).map(cron)], crons: Object.values(CRONS) },
];

// --- walkers: `n` next-fire computations, continuing from `state` -------------------------------

function walkOurs(schedule: CompiledSchedule, state: { t: number }, n: number): void {
  let t = state.t;
  for (let i = 0; i < n; i++) {
    t = schedule.nextInstant(t);
    if (t < 0 || t > END) t = START;
  }
  state.t = t;
}

function walkCroner(jobs: CronerJob[], state: { d: Date }, n: number): void {
  let d = state.d;
  for (let i = 0; i < n; i++) {
    let next: Date | null = null;
    for (const job of jobs) {
      const run = job.nextRun(d);
      if (run !== null && (next === null || run.getTime() < next.getTime())) next = run;
    }
    d = next === null || next.getTime() > END ? START_DATE : next;
  }
  state.d = d;
}

function walkCronSchedule(crons: CronScheduleCron[], state: { d: Date }, n: number): void {
  let d = state.d;
  for (let i = 0; i < n; i++) {
    let next = crons[0]?.getNextDate(d) ?? START_DATE;
    for (let j = 1; j < crons.length; j++) {
      const run = (crons[j] as CronScheduleCron).getNextDate(d);
      if (run.getTime() < next.getTime()) next = run;
    }
    d = next.getTime() > END ? START_DATE : next;
  }
  state.d = d;
}

// --- measurement -------------------------------------------------------------------------------

interface Impl {
  name: 'ours' | 'croner' | 'cron-schedule';
  step: (n: number) => void;
  chunk: number;
  samples: number[];
}

function impl(name: Impl['name'], step: (n: number) => void): Impl {
  return { name, step, chunk: 1, samples: [] };
}

/** Runs `impl` for about `ms` in chunks sized to ~1 ms (clock reads stay negligible); returns ops/s. */
function sample(impl: Impl, ms: number): number {
  let ops = 0;
  let elapsed = 0;
  const t0 = performance.now();
  do {
    const n = impl.chunk;
    const c0 = performance.now();
    impl.step(n);
    ops += n;
    if (performance.now() - c0 < 1) impl.chunk = n * 2;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (ops / elapsed) * 1000;
}

/** Our first 50 fires of `crons` against croner's: proof that both answer the same question. */
function agrees(crons: string[], zone: string, jobs: CronerJob[]): boolean {
  const schedule = union(...crons.map(cron))
    .in(zone)
    .compile({ now: START });
  let t = START;
  let d = START_DATE;
  for (let i = 0; i < 50; i++) {
    t = schedule.nextInstant(t);
    const runs = jobs.map((job) => job.nextRun(d)?.getTime() ?? Number.POSITIVE_INFINITY);
    d = new Date(Math.min(...runs));
    if (t !== d.getTime()) return false;
  }
  return true;
}

const results = [];
for (const zone of ZONES) {
  for (const calendar of CALENDARS) {
    const schedule = union(...calendar.rules)
      .in(zone)
      .compile({ now: START });
    const jobs = calendar.crons.map((expr) => new CronerJob(expr, { timezone: zone, paused: true }));
    const crons = calendar.crons.map((expr) => parseCronExpression(expr));
    const ours = { t: START };
    const croner = { d: START_DATE };
    const cronSchedule = { d: START_DATE };
    const impls = [impl('ours', (n) => walkOurs(schedule, ours, n))];
    if (jobs.length > 0) {
      impls.push(impl('croner', (n) => walkCroner(jobs, croner, n)));
      impls.push(impl('cron-schedule', (n) => walkCronSchedule(crons, cronSchedule, n)));
    }
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (const each of impls) {
        const opsPerSecond = sample(each, SAMPLE_MS);
        if (round >= WARMUP_ROUNDS) each.samples.push(opsPerSecond);
      }
    }
    const stats = (name: Impl['name']) => {
      const samples = impls.find((each) => each.name === name)?.samples;
      return samples ? { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) } : null;
    };
    const [o, c, s] = [stats('ours'), stats('croner'), stats('cron-schedule')];
    const vsCroner = o && c ? o.median / c.median : null;
    const vsCronSchedule = o && s ? o.median / s.median : null;
    results.push({
      calendar: calendar.name,
      zone,
      ours: o,
      croner: c,
      cronSchedule: s,
      oursOverCroner: vsCroner,
      oursOverCronSchedule: vsCronSchedule,
      passVsCroner: vsCroner === null ? null : vsCroner >= TARGET_VS_CRONER,
      passVsCronSchedule: vsCronSchedule === null ? null : vsCronSchedule >= TARGET_VS_CRON_SCHEDULE,
      agreesWithCroner: jobs.length > 0 ? agrees(calendar.crons, zone, jobs) : null,
    });
  }
}

// --- report ------------------------------------------------------------------------------------

const ops = (x: { median: number } | null) => (x ? Math.round(x.median).toLocaleString('en-US') : 'n/a');
const ratio = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}x`);
const verdict = (x: number | null, target: number) =>
  x === null ? 'n/a' : `${ratio(x)} ${x >= target ? 'PASS' : 'FAIL'}`;
const rows = [
  ['calendar', 'zone', 'ours ops/s', 'croner ops/s', 'cron-schedule ops/s', 'ours/croner', 'ours/cron-sch.'],
  ...results.map((r) => [
    r.calendar,
    r.zone,
    ops(r.ours),
    ops(r.croner),
    ops(r.cronSchedule),
    verdict(r.oursOverCroner, TARGET_VS_CRONER),
    verdict(r.oursOverCronSchedule, TARGET_VS_CRON_SCHEDULE),
  ]),
];
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length))) ?? [];
const line = (row: string[]) =>
  `| ${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
console.log(`\nCalendar engine: next-fire ops/s, median of ${ROUNDS} alternating rounds of ${SAMPLE_MS} ms`);
console.log(`targets: ours/croner >= ${TARGET_VS_CRONER}x, ours/cron-schedule >= ${TARGET_VS_CRON_SCHEDULE}x\n`);
console.log(line(rows[0] as string[]));
console.log(line(widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`))));
for (const row of rows.slice(1)) console.log(line(row));
console.log('\n"every P10DT3H" alone: the peers have no equivalent, so only our absolute ops/s is reported.');

const failed = results.filter((r) => r.passVsCroner === false || r.passVsCronSchedule === false);
const disagree = results.filter((r) => r.agreesWithCroner === false);
console.log(failed.length === 0 ? 'RESULT: all targets PASS' : `RESULT: ${failed.length} row(s) FAIL a target`);
if (disagree.length > 0) {
  console.log(
    `WARNING: ours and croner disagree on the first 50 fires of: ${disagree.map((r) => `${r.calendar} @ ${r.zone}`).join(', ')}`,
  );
}
console.log(
  JSON.stringify({
    bench: 'calendar',
    date: new Date().toISOString(),
    node: process.version,
    method: { warmupRounds: WARMUP_ROUNDS, rounds: ROUNDS, sampleMs: SAMPLE_MS, walkFrom: START_DATE.toISOString() },
    targets: { oursOverCroner: TARGET_VS_CRONER, oursOverCronSchedule: TARGET_VS_CRON_SCHEDULE },
    results,
  }),
);
