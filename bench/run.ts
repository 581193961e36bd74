/**
 * Runs the benchmarks: every `bench/*.bench.ts` (or only those whose name contains one of the
 * arguments, e.g. `pnpm bench calendar`), one after another, each in its own Node process so that
 * one benchmark's JIT state, caches and heap cannot colour the next one's figures.
 *
 * Each child runs with `--conditions=source`, so `@br-sdk/schedule` resolves to its TypeScript
 * sources (packages/core/src) and no build is needed. Exits 1 only when a benchmark crashes; a
 * missed target is reported by the benchmark itself and is not a failure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = import.meta.dirname;
const filters = process.argv.slice(2).filter((arg) => arg !== '--');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(basename(filter, '.bench.ts'))))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark in ${dir} matches ${filters.join(', ') || '*.bench.ts'}`);
  process.exit(1);
}

const crashed: string[] = [];
for (const name of files) {
  console.log(`\n=== ${name} (node ${process.version}) ===`);
  const child = spawnSync(process.execPath, ['--conditions=source', join(dir, name)], { stdio: 'inherit' });
  if (child.status !== 0) crashed.push(`${name}: ${child.error?.message ?? `exit ${child.status ?? child.signal}`}`);
}

if (crashed.length > 0) {
  console.error(`\nbenchmarks that crashed:\n  ${crashed.join('\n  ')}`);
  process.exit(1);
}
