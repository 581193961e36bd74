import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/br-schedule.js', import.meta.url));

/** Runs the real command (the built dist behind the committed launcher) as a user would. */
function brSchedule(args: string[], stdin: string) {
  const result = spawnSync(process.execPath, [bin, ...args], { input: stdin, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('br-schedule preview', () => {
  it('prints the next instants, one RFC 3339 UTC line each', () => {
    const schedule = JSON.stringify({
      timezone: 'Asia/Tehran',
      rules: [
        { every: 'P10DT3H', from: '2026-11-01T00:00:00' },
        { cron: '0 17 * * THU' },
        { cron: '0 4 * * SAT' },
        { cron: '0 15 3 * *' },
      ],
    });
    const { status, stdout, stderr } = brSchedule(
      ['preview', '--from', '2026-11-22T00:00:00Z', '--count', '5'],
      schedule,
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    // Tehran is UTC+03:30: Thu 17:00 = 13:30Z, Sat 04:00 = 00:30Z, the 3rd 15:00 = 11:30Z; every
    // P10DT3H from Nov 1 00:00 local: k=3 is Dec 1 00:00 local (Nov 30 20:30Z) + 9 h elapsed = Dec 1 05:30Z.
    expect(stdout.trim().split('\n')).toEqual([
      '2026-11-26T13:30:00Z',
      '2026-11-28T00:30:00Z',
      '2026-12-01T05:30:00Z',
      '2026-12-03T11:30:00Z',
      '2026-12-03T13:30:00Z',
    ]);
  });

  it('accepts the contract’s crontab list', () => {
    const { status, stdout } = brSchedule(
      ['preview', '--from', '2026-11-22T00:00:00Z', '--count', '2'],
      JSON.stringify([{ minute: '0', hour: '4', day_of_week: 'sat' }]),
    );
    expect(status).toBe(0);
    expect(stdout).toBe('2026-11-28T04:00:00Z\n2026-12-05T04:00:00Z\n');
  });

  it('exits non-zero with the field path and the reason on stderr', () => {
    const bad = brSchedule(['preview'], JSON.stringify({ rules: [{ cron: '0 0 * * *' }, { cron: '61 * * * *' }] }));
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error SCHEDULE_INVALID: rules[1].cron: minute 61 out of 0-59\n');

    expect(brSchedule(['preview'], '{"rules": [').stderr).toMatch(/^error INVALID_ARGUMENT: stdin: not JSON/);
    expect(brSchedule(['preview', '--from', 'tomorrow'], '{}').stderr).toMatch(/--from: 'tomorrow'/);
    expect(brSchedule(['preview', '--count=-1'], '{}').stderr).toMatch(/--count: expected a whole number/);
    const unknown = brSchedule(['frobnicate'], '');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
