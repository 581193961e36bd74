import { type CompileOptions, compileSchedule } from '../../src/index.ts';

/**
 * The engine side of the tests: compile, then list fires as ISO strings. Kept apart from
 * helpers.ts, the oracle, so that expected values can never come from here.
 */

/** A fixed creation time, so that nothing depends on the clock the tests run at. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** The first `count` fires of `input` strictly after `from` (an ISO string with offset, or ms). */
export function fires(input: unknown, from: string | number, count: number, options: CompileOptions = {}): string[] {
  const after = typeof from === 'number' ? from : Date.parse(from);
  if (Number.isNaN(after)) throw new Error(`bad test instant ${from}`);
  return compileSchedule(input, { now: NOW, ...options })
    .preview(after, count)
    .map((d) => d.toISOString());
}
