import { InvalidArgumentError, type ValidationIssue } from '@br-sdk/schedule';
import { allowListIssues } from './allow-list.ts';
import { DEFAULT_TIMEOUT_MS, isHeaderValue, MAX_TIMEOUT_MS } from './http-target.ts';
import { type HostLookup, systemLookup } from './target-guard.ts';
import { VERSION } from './version.ts';

/** Options of `HttpExecutor`. Every field is optional; see each default. */
export interface HttpExecutorOptions {
  /**
   * The most bytes of a response body kept as the run's `content`. Reading stops there: the rest is
   * not read (the connection is closed instead) and the outcome says `truncated: true`.
   * At most 64 MiB, because the content is kept in the task's run history.
   * @default 65536 (64 KiB)
   */
  readonly maxContentBytes?: number;
  /**
   * The most connections open at once to one origin (scheme, host and port). Attempts beyond it
   * wait in the pool, and that wait counts towards their `timeout_ms`, so keep it at least the
   * Scheduler's `concurrency` when many tasks call one origin. `null`: no limit.
   * @default 100 (the Scheduler's default `concurrency`)
   */
  readonly connections?: number | null;
  /**
   * How long an idle keep-alive connection stays open for the next attempt, in ms. A server's
   * `Keep-Alive: timeout=…` hint that is shorter wins (undici's rule).
   * @default 4000
   */
  readonly keepAliveTimeoutMs?: number;
  /** The `User-Agent` header of every request. @default `br-sdk-schedule-executor-http/<version>` */
  readonly userAgent?: string;
  /**
   * The deadline of an attempt whose target has no `timeout_ms`, in ms: from the start of the
   * attempt until the whole response body is read (or cut at `maxContentBytes`). 1 to 600000.
   * @default 30000
   */
  readonly defaultTimeoutMs?: number;
  /**
   * The hosts targets may call: names (`api.example.com`), `*.` patterns (`*.internal.example.com`:
   * one or more labels before `.internal.example.com`), IP addresses and CIDRs (`10.0.0.0/8`,
   * `fd00::/8`). A name is allowed when it matches a name or pattern, or else when every address it
   * resolves to is in an IP or CIDR entry; an IP host when it is in one. Cloud metadata endpoints
   * (169.254.169.254, fd00:ec2::254, metadata.google.internal) are refused whatever the list says,
   * at task creation and again at each connection, which goes to the very addresses checked
   * (TargetGuard has the whole rule).
   * @default [] (every host but the metadata endpoints)
   */
  readonly allow?: readonly string[];
  /**
   * Resolves host names for the guard and the connections, which use its answer: a resolver of your
   * own (tests, a DNS cache) goes here. Every address must be returned (`all: true`).
   * @default systemLookup (`dns.lookup` with `all: true`)
   */
  readonly lookup?: HostLookup;
}

/** {@link HttpExecutorOptions} with every default filled in and every value checked. */
export interface ResolvedHttpExecutorOptions {
  readonly maxContentBytes: number;
  readonly connections: number | null;
  readonly keepAliveTimeoutMs: number;
  readonly userAgent: string;
  readonly defaultTimeoutMs: number;
  readonly allow: readonly string[];
  readonly lookup: HostLookup;
}

/** 64 KiB. */
export const DEFAULT_MAX_CONTENT_BYTES = 65_536;
/** 64 MiB: content is kept in each task's run history, so a larger limit is a mistake rather than a need. */
export const MAX_CONTENT_BYTES_LIMIT = 67_108_864;
export const DEFAULT_CONNECTIONS = 100;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4000;
export const DEFAULT_USER_AGENT = `br-sdk-schedule-executor-http/${VERSION}`;

const KNOWN_OPTIONS = new Set([
  'maxContentBytes',
  'connections',
  'keepAliveTimeoutMs',
  'userAgent',
  'defaultTimeoutMs',
  'allow',
  'lookup',
]);

function checkInteger(issues: ValidationIssue[], path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    issues.push({ path, message: `expected a whole number from ${min} to ${max}, got ${String(value)}` });
  }
}

/**
 * Fills defaults and checks every option once; throws InvalidArgumentError (code
 * `INVALID_ARGUMENT`) with one issue per bad option, each naming it. Never mutates `options`.
 */
export function resolveHttpExecutorOptions(options: HttpExecutorOptions = {}): ResolvedHttpExecutorOptions {
  const resolved: ResolvedHttpExecutorOptions = {
    maxContentBytes: options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES,
    connections: options.connections === undefined ? DEFAULT_CONNECTIONS : options.connections,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Copied, so that a later change to the caller's array cannot differ from what was checked.
    allow: Array.isArray(options.allow) ? Object.freeze([...options.allow]) : [],
    lookup: options.lookup ?? systemLookup,
  };
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) issues.push({ path: key, message: 'unknown option' });
  }
  checkInteger(issues, 'maxContentBytes', resolved.maxContentBytes, 1, MAX_CONTENT_BYTES_LIMIT);
  if (resolved.connections !== null) checkInteger(issues, 'connections', resolved.connections, 1, 65_535);
  checkInteger(issues, 'keepAliveTimeoutMs', resolved.keepAliveTimeoutMs, 1, 600_000);
  checkInteger(issues, 'defaultTimeoutMs', resolved.defaultTimeoutMs, 1, MAX_TIMEOUT_MS);
  if (typeof resolved.userAgent !== 'string' || resolved.userAgent === '' || !isHeaderValue(resolved.userAgent)) {
    issues.push({
      path: 'userAgent',
      message: 'expected a non-empty header value (no control characters such as CR, LF or NUL)',
    });
  }
  issues.push(...allowListIssues(options.allow));
  if (typeof resolved.lookup !== 'function') {
    issues.push({ path: 'lookup', message: 'expected a function (hostname) => Promise<{ address, family }[]>' });
  }
  if (issues.length > 0) throw new InvalidArgumentError('invalid HTTP executor options', issues);
  return resolved;
}
