import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { allowListIssues } from '@br-sdk/schedule-executor-http';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { readEnvFile } from './env-file.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';

export { ConfigError, type ConfigIssue } from './config-error.ts';

/** The file name of the SQLite store inside the data directory. */
export const STORE_FILE_NAME = 'scheduler.sqlite';
/** The result-signing key's file name inside the data directory, unless SCHEDULER_SIGNING_KEY names another. */
export const SIGNING_KEY_FILE_NAME = 'scheduler-signing-key.pem';

/** Read from the real environment only: the file it names cannot name another one. */
const ENV_FILE_VARIABLE = 'SCHEDULER_ENV_FILE';

export interface AmqpConfig {
  /** `amqp://` or `amqps://`, credentials included: log it through {@link loggableConfig}. */
  readonly url: string;
  readonly requestQueue: string;
  readonly resultExchange: string;
  /**
   * Requests handled at once. More in flight means bigger group commits: 1,000 registered about a
   * quarter more per second than 256 on the registration bench.
   */
  readonly prefetch: number;
}

/** A token bucket: `perSecond` requests a second on average, `burst` at once. */
export interface RateLimitConfig {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Who may send requests (docs/security.md). `signed`: every request is signed by a requester whose
 * key is in `keys` (a directory or a JSON file). `off`: anyone who can reach the channels; only
 * allowed on a loopback HTTP host, and only when asked for by name.
 */
export type AuthConfig =
  | {
      readonly mode: 'signed';
      /** Absolute path of the keys directory or file. */
      readonly keys: string;
      /** Requester ids with admin rights, lower case. */
      readonly admins: readonly string[];
      readonly windowMs: number;
    }
  | { readonly mode: 'off' };

/** The sidecar's configuration: every field filled, checked and frozen. */
export interface SidecarConfig {
  /** Absolute path of the `.env` file that was read; undefined when none was. */
  readonly envFile: string | undefined;
  /** Where the REST, WebSocket, health and metrics endpoints listen; port 0 takes any free port. */
  readonly http: { readonly host: string; readonly port: number };
  /** Absolute. */
  readonly dataDir: string;
  /** `dataDir/scheduler.sqlite`. */
  readonly storePath: string;
  /** Undefined when `SCHEDULER_AMQP_URL` is not set: the AMQP channel is off. */
  readonly amqp: AmqpConfig | undefined;
  /** Canonical IANA name; the zone of schedules that name none. */
  readonly timezone: string;
  readonly logLevel: LogLevel;
  /** Runs in flight at most. */
  readonly concurrency: number;
  /** How long a shutdown lets runs in flight finish before aborting them. */
  readonly shutdownTimeoutMs: number;
  /** The deadline of an HTTP target that sets no `timeout_ms`. */
  readonly httpTargetTimeoutMs: number;
  /** The hosts HTTP targets may call (the executor's `allow`); empty: any but cloud metadata endpoints. */
  readonly targetAllow: readonly string[];
  /** Runs kept per task in the run history. */
  readonly runRetention: number;
  /** Whether `/metrics` is served. */
  readonly metrics: boolean;
  readonly auth: AuthConfig;
  /** The scheduler's Ed25519 result-signing key (PKCS #8 PEM); created at first start when missing. Absolute. */
  readonly signingKeyPath: string;
  /** Undefined: that limit is off. */
  readonly rateLimits: { readonly requester?: RateLimitConfig; readonly source?: RateLimitConfig };
  /** The largest request (HTTP body, WebSocket frame, AMQP message), in bytes. */
  readonly maxMessageBytes: number;
}

export interface LoadConfigOptions {
  /** Resolves the `.env` file and the data directory when relative; default `process.cwd()`. */
  readonly cwd?: string;
  /**
   * The `.env` file to read instead of `SCHEDULER_ENV_FILE` or `./.env`, and then it must exist;
   * `false` reads none (tests, embedding).
   */
  readonly envFile?: string | false;
}

function integer(min: number, max: number) {
  const expected = `expected an integer ${min}-${max}`;
  return z
    .string()
    .refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, { error: expected })
    .transform(Number);
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** AMQP 0-9-1 names are short strings (255 bytes); `amq.` names are the broker's own. */
function amqpName(what: string) {
  return z.string().refine((value) => Buffer.byteLength(value) <= 255 && !value.startsWith('amq.'), {
    error: `expected ${what} name of at most 255 bytes, not starting with "amq." (reserved by the broker)`,
  });
}

const amqpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'amqp:' || url.protocol === 'amqps:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected an amqp:// or amqps:// URL with a host' },
);

const timeZone = z.string().transform((value, ctx) => {
  // Intl also takes fixed offsets ("+03:30"); a default zone must follow its region's DST changes.
  if (/^[+-]/.test(value)) {
    ctx.issues.push({ code: 'custom', input: value, message: 'expected an IANA time zone name, not a fixed offset' });
    return z.NEVER;
  }
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'expected an IANA time zone name such as "Europe/London"',
    });
    return z.NEVER;
  }
});

/** Comma-separated allow-list entries, each checked as the HTTP executor will check it. */
const targetAllow = z.string().transform((value, ctx) => {
  const entries = value.split(',').map((entry) => entry.trim());
  const problems = entries.flatMap((entry) =>
    // An empty entry is a slip (`a,,b`, `a,`), and a list of nothing but slips would allow every host.
    entry === ''
      ? ['an empty entry (two commas in a row, or one at an end)']
      : allowListIssues([entry]).map((issue) => `"${entry}": ${issue.message}`),
  );
  if (problems.length === 0) return entries;
  ctx.issues.push({ code: 'custom', input: value, message: problems.join('; ') });
  return z.NEVER;
});

const VARIABLES = {
  SCHEDULER_ENV_FILE: z.string().optional(),
  SCHEDULER_HTTP_HOST: z
    .string()
    .refine((value) => isIP(value) !== 0 || HOST_NAME.test(value), { error: 'expected an IP address or a host name' })
    .default('127.0.0.1'),
  SCHEDULER_HTTP_PORT: integer(0, 65535).default(8080),
  SCHEDULER_DATA_DIR: z.string().default('./data'),
  SCHEDULER_AMQP_URL: amqpUrl.optional(),
  SCHEDULER_AMQP_REQUEST_QUEUE: amqpName('a queue').default('br.schedule.requests'),
  SCHEDULER_AMQP_RESULT_EXCHANGE: amqpName('an exchange').default('br.schedule.results'),
  SCHEDULER_AMQP_PREFETCH: integer(1, 65_535).default(1000),
  SCHEDULER_TIMEZONE: timeZone.default('UTC'),
  SCHEDULER_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  SCHEDULER_CONCURRENCY: integer(1, 100_000).default(100),
  SCHEDULER_SHUTDOWN_TIMEOUT_MS: integer(0, 3_600_000).default(30_000),
  SCHEDULER_HTTP_TIMEOUT_MS: integer(1, 600_000).default(30_000),
  SCHEDULER_TARGET_ALLOW: targetAllow.optional(),
  SCHEDULER_RUN_RETENTION: integer(1, 100_000).default(100),
  SCHEDULER_METRICS: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((value) => value === 'true')
    .default(true),
  SCHEDULER_AUTH: z.enum(['signed', 'off'], { error: 'expected signed or off' }).default('signed'),
  SCHEDULER_AUTH_KEYS: z.string().optional(),
  SCHEDULER_AUTH_ADMINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter((id) => id !== ''),
    )
    .refine((ids) => ids.every((id) => UUID.test(id)), { error: 'expected requester ids (UUIDs) separated by commas' })
    .optional(),
  SCHEDULER_AUTH_WINDOW_SECONDS: integer(1, 3600).default(300),
  SCHEDULER_SIGNING_KEY: z.string().optional(),
  SCHEDULER_RATE_REQUESTER_PER_SECOND: integer(0, 1_000_000).default(1000),
  SCHEDULER_RATE_REQUESTER_BURST: integer(1, 10_000_000).optional(),
  SCHEDULER_RATE_SOURCE_PER_SECOND: integer(0, 1_000_000).default(2000),
  SCHEDULER_RATE_SOURCE_BURST: integer(1, 10_000_000).optional(),
  SCHEDULER_MAX_MESSAGE_BYTES: integer(1024, 67_108_864).default(1_048_576),
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Addresses only this machine reaches: where running without authentication is allowed. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A bucket from its two variables; a rate of 0 turns the limit off, the burst defaults to twice the rate. */
function rateLimit(perSecond: number, burst: number | undefined): RateLimitConfig | undefined {
  return perSecond === 0 ? undefined : { perSecond, burst: burst ?? perSecond * 2 };
}

const schema = z.strictObject(VARIABLES);

/** Every variable the sidecar reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(VARIABLES));

/** Hides the password of a URL-like value, even one that does not parse. */
function hidePassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/@]*@/i, '$1***@');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function unknownVariable(name: string): ConfigIssue {
  let best: string | undefined;
  let bestDistance = 4; // suggest only near misses
  for (const known of CONFIG_VARIABLES) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  const hint = best === undefined ? 'docs/configuration.md lists the known ones' : `did you mean ${best}?`;
  return { variable: name, message: `unknown variable (${hint})` };
}

/**
 * Reads the sidecar's configuration from `env` and a `.env` file: the file named by
 * `SCHEDULER_ENV_FILE` (then it must exist), else `./.env` if there is one. A variable set in
 * `env` wins over the file; an empty value counts as unset. Only `SCHEDULER_*` variables are read,
 * from either; an unknown one is an error, so a typo cannot silently leave a default in place.
 *
 * @throws ConfigError naming every bad variable and why.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): SidecarConfig {
  const cwd = options.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];
  const fromEnv = pickOwn(env);

  const named = options.envFile ?? fromEnv[ENV_FILE_VARIABLE];
  const { file, issue } =
    named === false
      ? { file: undefined }
      : readEnvFile(
          resolve(cwd, named ?? '.env'),
          named !== undefined,
          options.envFile ? 'envFile' : ENV_FILE_VARIABLE,
        );
  if (issue) issues.push(issue);
  const fromFile = pickOwn(file?.variables ?? {});
  if (fromFile[ENV_FILE_VARIABLE] !== undefined) {
    issues.push({
      variable: ENV_FILE_VARIABLE,
      message: `set in ${file?.path}: it is read from the environment only`,
    });
    delete fromFile[ENV_FILE_VARIABLE];
  }

  const input: Record<string, string> = { ...fromFile, ...fromEnv };
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const zodIssue of result.error.issues) {
      if (zodIssue.code === 'unrecognized_keys') {
        issues.push(...zodIssue.keys.map(unknownVariable));
        continue;
      }
      const variable = String(zodIssue.path[0]);
      const raw = input[variable] ?? '';
      const shown = variable === 'SCHEDULER_AMQP_URL' ? hidePassword(raw) : raw;
      const origin = variable in fromEnv || file === undefined ? '' : ` (from ${file.path})`;
      issues.push({ variable, message: `${zodIssue.message}, got ${JSON.stringify(shown)}${origin}` });
    }
  }
  if (result.success) issues.push(...authIssues(result.data));
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);

  const v = result.data;
  const dataDir = resolve(cwd, v.SCHEDULER_DATA_DIR);
  const auth: AuthConfig =
    v.SCHEDULER_AUTH === 'off'
      ? { mode: 'off' }
      : {
          mode: 'signed',
          keys: resolve(cwd, v.SCHEDULER_AUTH_KEYS ?? ''),
          admins: v.SCHEDULER_AUTH_ADMINS ?? [],
          windowMs: v.SCHEDULER_AUTH_WINDOW_SECONDS * 1000,
        };
  const requesterLimit = rateLimit(v.SCHEDULER_RATE_REQUESTER_PER_SECOND, v.SCHEDULER_RATE_REQUESTER_BURST);
  const sourceLimit = rateLimit(v.SCHEDULER_RATE_SOURCE_PER_SECOND, v.SCHEDULER_RATE_SOURCE_BURST);
  return deepFreeze({
    envFile: file?.path,
    http: { host: v.SCHEDULER_HTTP_HOST, port: v.SCHEDULER_HTTP_PORT },
    dataDir,
    storePath: join(dataDir, STORE_FILE_NAME),
    amqp:
      v.SCHEDULER_AMQP_URL === undefined
        ? undefined
        : {
            url: v.SCHEDULER_AMQP_URL,
            requestQueue: v.SCHEDULER_AMQP_REQUEST_QUEUE,
            resultExchange: v.SCHEDULER_AMQP_RESULT_EXCHANGE,
            prefetch: v.SCHEDULER_AMQP_PREFETCH,
          },
    timezone: v.SCHEDULER_TIMEZONE,
    logLevel: v.SCHEDULER_LOG_LEVEL,
    concurrency: v.SCHEDULER_CONCURRENCY,
    shutdownTimeoutMs: v.SCHEDULER_SHUTDOWN_TIMEOUT_MS,
    httpTargetTimeoutMs: v.SCHEDULER_HTTP_TIMEOUT_MS,
    targetAllow: v.SCHEDULER_TARGET_ALLOW ?? [],
    runRetention: v.SCHEDULER_RUN_RETENTION,
    metrics: v.SCHEDULER_METRICS,
    auth,
    signingKeyPath: resolve(dataDir, v.SCHEDULER_SIGNING_KEY ?? SIGNING_KEY_FILE_NAME),
    rateLimits: {
      ...(requesterLimit === undefined ? {} : { requester: requesterLimit }),
      ...(sourceLimit === undefined ? {} : { source: sourceLimit }),
    },
    maxMessageBytes: v.SCHEDULER_MAX_MESSAGE_BYTES,
  });
}

/**
 * Authentication is on unless switched off by name, and off only where nobody else can connect:
 * a sidecar reachable from the network without it would run any call for anyone.
 */
function authIssues(v: z.output<typeof schema>): ConfigIssue[] {
  if (v.SCHEDULER_AUTH === 'off') {
    return isLoopback(v.SCHEDULER_HTTP_HOST)
      ? []
      : [
          {
            variable: 'SCHEDULER_AUTH',
            message: `off is allowed only with a loopback SCHEDULER_HTTP_HOST (127.0.0.1, ::1, localhost), not ${v.SCHEDULER_HTTP_HOST}`,
          },
        ];
  }
  if (v.SCHEDULER_AUTH_KEYS !== undefined) return [];
  return [
    {
      variable: 'SCHEDULER_AUTH_KEYS',
      message:
        'required while SCHEDULER_AUTH is signed (the default): a directory of <requester_id>.pem / .hmac files or a JSON key list (docs/security.md); or set SCHEDULER_AUTH=off on a loopback host',
    },
  ];
}

/** The `SCHEDULER_*` variables with a non-empty value. */
function pickOwn(source: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith('SCHEDULER_') && value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null) deepFreeze(field);
  }
  return Object.freeze(value);
}

/** The configuration as it may be logged: the AMQP URL's password hidden. */
export function loggableConfig(config: SidecarConfig): SidecarConfig {
  return { ...config, amqp: config.amqp && { ...config.amqp, url: hidePassword(config.amqp.url) } };
}
