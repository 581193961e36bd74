import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loggableConfig } from '../src/config.ts';

const root = mkdtempSync(join(tmpdir(), 'br-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh working directory, with a `.env` file holding `envFile` when given. */
function workdir(envFile?: string): string {
  const dir = join(root, `case-${++dirs}`);
  mkdirSync(dir);
  if (envFile !== undefined) writeFileSync(join(dir, '.env'), envFile);
  return dir;
}

/** The ConfigError that loading throws. */
function configError(env: NodeJS.ProcessEnv, cwd = workdir()): ConfigError {
  try {
    loadConfig(env, { cwd });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

/** Authentication switched off by name, as these tests run on the loopback default host. */
const OFF = { SCHEDULER_AUTH: 'off' } as const;

describe('loadConfig', () => {
  it('fills every default, and freezes the result', () => {
    const cwd = workdir();
    const config = loadConfig({ PATH: '/usr/bin', HOME: '/root', SCHEDULER_AUTH_KEYS: 'keys' }, { cwd });
    expect(config).toEqual({
      envFile: undefined,
      http: { host: '127.0.0.1', port: 8080 },
      dataDir: join(cwd, 'data'),
      storePath: join(cwd, 'data', 'scheduler.sqlite'),
      amqp: undefined,
      timezone: 'UTC',
      logLevel: 'info',
      concurrency: 100,
      shutdownTimeoutMs: 30_000,
      httpTargetTimeoutMs: 30_000,
      targetAllow: [],
      runRetention: 100,
      metrics: true,
      auth: { mode: 'signed', keys: join(cwd, 'keys'), admins: [], windowMs: 300_000 },
      signingKeyPath: join(cwd, 'data', 'scheduler-signing-key.pem'),
      rateLimits: { requester: { perSecond: 1000, burst: 2000 }, source: { perSecond: 2000, burst: 4000 } },
      maxMessageBytes: 1_048_576,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        SCHEDULER_HTTP_HOST: '0.0.0.0',
        SCHEDULER_HTTP_PORT: '0',
        SCHEDULER_DATA_DIR: '/var/lib/br-schedule',
        SCHEDULER_AMQP_URL: 'amqps://user:secret@broker.example:5671/vhost',
        SCHEDULER_AMQP_REQUEST_QUEUE: 'requests',
        SCHEDULER_AMQP_RESULT_EXCHANGE: 'results',
        SCHEDULER_TIMEZONE: 'asia/tehran',
        SCHEDULER_LOG_LEVEL: 'debug',
        SCHEDULER_CONCURRENCY: '250',
        SCHEDULER_SHUTDOWN_TIMEOUT_MS: '0',
        SCHEDULER_HTTP_TIMEOUT_MS: '600000',
        SCHEDULER_RUN_RETENTION: '7',
        SCHEDULER_METRICS: 'false',
        SCHEDULER_AUTH_KEYS: '/etc/br-schedule/keys.json',
        SCHEDULER_AUTH_ADMINS: ' 0F8C2A4E-3B1D-4C5E-9A7B-1C2D3E4F5A6B ,',
        SCHEDULER_AUTH_WINDOW_SECONDS: '60',
        SCHEDULER_SIGNING_KEY: '/run/secrets/signing.pem',
        SCHEDULER_RATE_REQUESTER_PER_SECOND: '0',
        SCHEDULER_RATE_SOURCE_PER_SECOND: '50',
        SCHEDULER_RATE_SOURCE_BURST: '5',
        SCHEDULER_MAX_MESSAGE_BYTES: '4096',
      },
      { cwd: workdir() },
    );
    expect(config).toMatchObject({
      http: { host: '0.0.0.0', port: 0 },
      dataDir: '/var/lib/br-schedule',
      storePath: '/var/lib/br-schedule/scheduler.sqlite',
      amqp: {
        url: 'amqps://user:secret@broker.example:5671/vhost',
        requestQueue: 'requests',
        resultExchange: 'results',
      },
      timezone: 'Asia/Tehran',
      logLevel: 'debug',
      concurrency: 250,
      shutdownTimeoutMs: 0,
      httpTargetTimeoutMs: 600_000,
      runRetention: 7,
      metrics: false,
      auth: {
        mode: 'signed',
        keys: '/etc/br-schedule/keys.json',
        admins: ['0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b'],
        windowMs: 60_000,
      },
      signingKeyPath: '/run/secrets/signing.pem',
      rateLimits: { source: { perSecond: 50, burst: 5 } },
      maxMessageBytes: 4096,
    });
    expect(loggableConfig(config).amqp).toMatchObject({ url: 'amqps://user:***@broker.example:5671/vhost' });
  });

  it('names each bad variable, why, and the value it got, all in one error', () => {
    const error = configError({
      SCHEDULER_HTTP_PORT: '80a',
      SCHEDULER_HTTP_HOST: 'not a host',
      SCHEDULER_AMQP_URL: 'http://user:secret@broker',
      SCHEDULER_AMQP_REQUEST_QUEUE: 'amq.requests',
      SCHEDULER_AMQP_RESULT_EXCHANGE: 'x'.repeat(256),
      SCHEDULER_TIMEZONE: 'Mars/Olympus_Mons',
      SCHEDULER_LOG_LEVEL: 'verbose',
      SCHEDULER_CONCURRENCY: '0',
      SCHEDULER_SHUTDOWN_TIMEOUT_MS: '-1',
      SCHEDULER_HTTP_TIMEOUT_MS: '1.5',
      SCHEDULER_RUN_RETENTION: '1e3',
      SCHEDULER_METRICS: 'yes',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message.split('\n')).toEqual([
      'invalid configuration:',
      '  SCHEDULER_HTTP_HOST: expected an IP address or a host name, got "not a host"',
      '  SCHEDULER_HTTP_PORT: expected an integer 0-65535, got "80a"',
      '  SCHEDULER_AMQP_URL: expected an amqp:// or amqps:// URL with a host, got "http://user:***@broker"',
      '  SCHEDULER_AMQP_REQUEST_QUEUE: expected a queue name of at most 255 bytes, not starting with "amq." (reserved by the broker), got "amq.requests"',
      `  SCHEDULER_AMQP_RESULT_EXCHANGE: expected an exchange name of at most 255 bytes, not starting with "amq." (reserved by the broker), got "${'x'.repeat(256)}"`,
      '  SCHEDULER_TIMEZONE: expected an IANA time zone name such as "Europe/London", got "Mars/Olympus_Mons"',
      '  SCHEDULER_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
      '  SCHEDULER_CONCURRENCY: expected an integer 1-100000, got "0"',
      '  SCHEDULER_SHUTDOWN_TIMEOUT_MS: expected an integer 0-3600000, got "-1"',
      '  SCHEDULER_HTTP_TIMEOUT_MS: expected an integer 1-600000, got "1.5"',
      '  SCHEDULER_RUN_RETENTION: expected an integer 1-100000, got "1e3"',
      '  SCHEDULER_METRICS: expected true or false, got "yes"',
    ]);
    expect(error.issues.map((issue) => issue.variable)).toHaveLength(12);
  });

  it.each([
    ['SCHEDULER_HTTP_PORT', '65536', 'expected an integer 0-65535'],
    ['SCHEDULER_HTTP_PORT', ' 8080', 'expected an integer 0-65535'],
    ['SCHEDULER_TIMEZONE', '+03:30', 'expected an IANA time zone name, not a fixed offset'],
    ['SCHEDULER_AMQP_URL', 'amqp://', 'expected an amqp:// or amqps:// URL with a host'],
    ['SCHEDULER_METRICS', 'TRUE', 'expected true or false'],
  ])('refuses %s=%j', (variable, value, reason) => {
    const error = configError({ [variable]: value });
    expect(error.issues).toEqual([{ variable, message: `${reason}, got ${JSON.stringify(value)}` }]);
  });

  it('refuses unknown SCHEDULER_* variables, suggesting the likely one', () => {
    const error = configError({ SCHEDULER_HTTP_PROT: '9000', SCHEDULER_FOO: '1', OTHER_APP_SETTING: 'ignored' });
    expect(error.issues).toEqual([
      { variable: 'SCHEDULER_HTTP_PROT', message: 'unknown variable (did you mean SCHEDULER_HTTP_PORT?)' },
      { variable: 'SCHEDULER_FOO', message: 'unknown variable (docs/configuration.md lists the known ones)' },
    ]);
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig({ ...OFF, SCHEDULER_AMQP_URL: '', SCHEDULER_HTTP_PORT: '' }, { cwd: workdir() });
    expect(config.amqp).toBeUndefined();
    expect(config.http.port).toBe(8080);
  });
});

describe('the .env file', () => {
  const file = [
    '# comments and quotes as Node parses them',
    'SCHEDULER_HTTP_PORT=9000',
    'SCHEDULER_TIMEZONE="Europe/London"',
  ];

  it('is read from the working directory by default', () => {
    const cwd = workdir(`${file.join('\n')}\nOTHER_TOOL_SETTING=whatever\n`);
    const config = loadConfig(OFF, { cwd });
    expect(config.envFile).toBe(join(cwd, '.env'));
    expect(config.http.port).toBe(9000);
    expect(config.timezone).toBe('Europe/London');
  });

  it('loses to the real environment', () => {
    const config = loadConfig({ ...OFF, SCHEDULER_HTTP_PORT: '7000' }, { cwd: workdir(file.join('\n')) });
    expect(config.http.port).toBe(7000);
    expect(config.timezone).toBe('Europe/London');
  });

  it('is the one SCHEDULER_ENV_FILE names, relative to the working directory', () => {
    const cwd = workdir('SCHEDULER_HTTP_PORT=1');
    writeFileSync(join(cwd, 'prod.env'), 'SCHEDULER_HTTP_PORT=2\n');
    expect(loadConfig({ ...OFF, SCHEDULER_ENV_FILE: 'prod.env' }, { cwd }).http.port).toBe(2);
    expect(loadConfig(OFF, { cwd, envFile: false }).http.port).toBe(8080);
  });

  it('must exist when named, and may not name another file', () => {
    const cwd = workdir('SCHEDULER_ENV_FILE=other.env\n');
    expect(configError({ ...OFF, SCHEDULER_ENV_FILE: 'missing.env' }, cwd).issues).toEqual([
      { variable: 'SCHEDULER_ENV_FILE', message: `cannot read the env file ${join(cwd, 'missing.env')}: no such file` },
    ]);
    expect(configError(OFF, cwd).issues).toEqual([
      { variable: 'SCHEDULER_ENV_FILE', message: `set in ${join(cwd, '.env')}: it is read from the environment only` },
    ]);
  });

  it('says which file a bad value came from, and refuses its unknown variables too', () => {
    const cwd = workdir('SCHEDULER_CONCURRENCY=many\nSCHEDULER_CONCURENCY=5\n');
    expect(configError(OFF, cwd).issues).toEqual([
      {
        variable: 'SCHEDULER_CONCURRENCY',
        message: `expected an integer 1-100000, got "many" (from ${join(cwd, '.env')})`,
      },
      { variable: 'SCHEDULER_CONCURENCY', message: 'unknown variable (did you mean SCHEDULER_CONCURRENCY?)' },
    ]);
  });
});

describe('authentication settings', () => {
  it('is on by default, and then needs the keys', () => {
    const error = configError({});
    expect(error.issues).toEqual([
      { variable: 'SCHEDULER_AUTH_KEYS', message: expect.stringContaining('required while SCHEDULER_AUTH is signed') },
    ]);
  });

  it.each(['127.0.0.1', '127.9.8.7', '::1', 'localhost'])('may be switched off on the loopback host %s', (host) => {
    expect(loadConfig({ SCHEDULER_AUTH: 'off', SCHEDULER_HTTP_HOST: host }, { cwd: workdir() }).auth).toEqual({
      mode: 'off',
    });
  });

  it.each(['0.0.0.0', '10.1.2.3', '::', 'scheduler.internal'])('may not be switched off on %s', (host) => {
    const error = configError({ SCHEDULER_AUTH: 'off', SCHEDULER_HTTP_HOST: host });
    expect(error.issues).toEqual([
      {
        variable: 'SCHEDULER_AUTH',
        message: `off is allowed only with a loopback SCHEDULER_HTTP_HOST (127.0.0.1, ::1, localhost), not ${host}`,
      },
    ]);
  });

  it('refuses admins that are not requester ids, and unknown modes', () => {
    const error = configError({ SCHEDULER_AUTH: 'none', SCHEDULER_AUTH_ADMINS: 'root' });
    expect(error.issues.map((i) => i.variable)).toEqual(['SCHEDULER_AUTH', 'SCHEDULER_AUTH_ADMINS']);
  });
});
