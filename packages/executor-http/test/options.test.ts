import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_USER_AGENT,
  HttpExecutor,
  type HttpExecutorOptions,
  resolveHttpExecutorOptions,
  systemLookup,
  VERSION,
} from '../src/index.ts';

function issuesOf(options: unknown): string[] {
  try {
    resolveHttpExecutorOptions(options as HttpExecutorOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    return (error as InvalidArgumentError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('resolveHttpExecutorOptions', () => {
  it('fills every default', () => {
    expect(resolveHttpExecutorOptions()).toEqual({
      maxContentBytes: 65_536,
      connections: 100,
      keepAliveTimeoutMs: 4000,
      userAgent: `br-sdk-schedule-executor-http/${VERSION}`,
      defaultTimeoutMs: 30_000,
      allow: [],
      lookup: systemLookup,
    });
  });

  it('keeps given values, null connections meaning no limit, and does not mutate the input', () => {
    const options = Object.freeze({
      maxContentBytes: 1,
      connections: null,
      keepAliveTimeoutMs: 60_000,
      userAgent: 'billing-cron/2',
      defaultTimeoutMs: 600_000,
      allow: ['api.example.com', '10.0.0.0/8'],
      lookup: async () => [{ address: '10.0.0.1', family: 4 }],
    });
    expect(resolveHttpExecutorOptions(options)).toEqual(options);
  });

  it.each([
    [{ maxContentBytes: 0 }, 'maxContentBytes: expected a whole number from 1 to 67108864, got 0'],
    [{ maxContentBytes: 67_108_865 }, 'maxContentBytes: expected a whole number from 1 to 67108864, got 67108865'],
    [{ maxContentBytes: 1.5 }, 'maxContentBytes: expected a whole number from 1 to 67108864, got 1.5'],
    [{ connections: 0 }, 'connections: expected a whole number from 1 to 65535, got 0'],
    [{ connections: '10' }, 'connections: expected a whole number from 1 to 65535, got 10'],
    [{ keepAliveTimeoutMs: 0 }, 'keepAliveTimeoutMs: expected a whole number from 1 to 600000, got 0'],
    [{ defaultTimeoutMs: 600_001 }, 'defaultTimeoutMs: expected a whole number from 1 to 600000, got 600001'],
    [{ defaultTimeoutMs: Number.NaN }, 'defaultTimeoutMs: expected a whole number from 1 to 600000, got NaN'],
    [{ userAgent: '' }, 'userAgent: expected a non-empty header value (no control characters such as CR, LF or NUL)'],
    [
      { userAgent: 'a\nb' },
      'userAgent: expected a non-empty header value (no control characters such as CR, LF or NUL)',
    ],
    [{ timeout: 5 }, 'timeout: unknown option'],
    [{ allow: '10.0.0.0/8' }, 'allow: expected an array of strings'],
    [{ lookup: 'dns' }, 'lookup: expected a function (hostname) => Promise<{ address, family }[]>'],
  ])('rejects %j, naming the option', (options, expected) => {
    expect(issuesOf(options)).toEqual([expected]);
  });

  it('reports every bad option at once, and the HttpExecutor constructor throws the same', () => {
    const bad = { maxContentBytes: -1, connections: 0, defaultTimeoutMs: 0, allow: ['ok.example', 'http://x/'] };
    expect(issuesOf(bad).map((line) => line.split(':')[0])).toEqual([
      'maxContentBytes',
      'connections',
      'defaultTimeoutMs',
      'allow[1]',
    ]);
    expect(() => new HttpExecutor(bad)).toThrow(InvalidArgumentError);
  });

  it("VERSION (in the default User-Agent) is the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(DEFAULT_USER_AGENT).toBe(`br-sdk-schedule-executor-http/${pkg.version}`);
  });
});
