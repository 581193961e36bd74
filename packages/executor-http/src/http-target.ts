import type { JsonObject, JsonValue, TaskTarget, ValidationIssue } from '@br-sdk/schedule';
import { HTTP_METHODS } from '@br-sdk/schedule/contract';

/** The methods an HTTP target may use (the wire contract's list). Uppercase only: HTTP methods are case-sensitive. */
export { HTTP_METHODS };
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods whose parameters go in the query string; the others send them as a JSON body. */
export const QUERY_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'DELETE']);

/** 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** 10 minutes: longer calls belong in an asynchronous API (the target answers at once and calls back). */
export const MAX_TIMEOUT_MS = 600_000;
export const MAX_URI_LENGTH = 8192;
export const MAX_HEADERS = 100;
export const MAX_HEADER_VALUE_LENGTH = 8192;

/**
 * A task target that calls an HTTP API:
 *
 * ```json
 * { "kind": "http", "uri": "https://api.example.com/reports?team=ops", "method": "POST",
 *   "parameters": { "format": "pdf" }, "headers": { "Authorization": "Bearer …" }, "timeout_ms": 10000 }
 * ```
 *
 * Fields not listed here are rejected. Targets are read as immutable: the executor prepares each
 * target object once (URL, body, headers) and reuses that for every attempt of every run.
 */
export interface HttpTarget extends TaskTarget {
  readonly kind: 'http';
  /** Absolute `http:` or `https:` URL, at most 8192 characters, without user:password. Its fragment is not sent. */
  readonly uri: string;
  /** @default 'GET' */
  readonly method?: HttpMethod;
  /**
   * A JSON object, or a string holding one (the message contract sends either). GET, HEAD and
   * DELETE append each member to the uri's query as `name=value` (both percent-encoded; a string
   * value as is, any other value as its JSON text: `n=42`, `ok=true`, `x=null`, `ids=[1,2]`,
   * `f={"a":1}`); a name may not also appear in the uri's query. POST, PUT and PATCH send the
   * object as the JSON body with `Content-Type: application/json`. Absent: no query added, no body.
   */
  readonly parameters?: JsonObject | string;
  /**
   * Extra request headers. Names are HTTP tokens (case-insensitive, each at most once); values
   * are strings without control characters. The scheduler's own headers (`Idempotency-Key`,
   * `User-Agent`, `X-Br-*`) and those the HTTP client manages (`Host`, `Content-Length`,
   * `Connection`, …) cannot be set here. `Content-Type` can, to name a JSON media type of your own.
   */
  readonly headers?: { readonly [name: string]: string };
  /** Deadline of one attempt in ms, from its start until the response body is read. 1 to 600000. @default the executor's `defaultTimeoutMs` (30000) */
  readonly timeout_ms?: number;
}

const KNOWN_FIELDS = new Set(['kind', 'uri', 'method', 'parameters', 'headers', 'timeout_ms']);
/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What undici refuses in a header value: anything but HTAB, visible ASCII, SP and obs-text. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** With the `u` flag a surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Set by the scheduler on every request; a target cannot change them. */
const SCHEDULER_HEADERS = new Set(['idempotency-key', 'user-agent']);
/** Framing and connection headers: the HTTP client sets them from the request and the pool. */
const CLIENT_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

export function isHeaderValue(value: string): boolean {
  return !INVALID_HEADER_VALUE.test(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The target's parameters as an object (`{}` when absent), or why they are not usable. A string
 * must hold a JSON object: the message contract sends parameters either way.
 */
export function parseParameters(parameters: JsonValue | undefined): JsonObject | string {
  if (parameters === undefined) return {};
  if (isJsonObject(parameters)) return parameters;
  if (typeof parameters !== 'string') {
    return `expected a JSON object or a string holding one, got ${Array.isArray(parameters) ? 'an array' : typeof parameters}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(parameters);
  } catch (error) {
    return `expected a string holding a JSON object, got text that is not JSON (${(error as Error).message})`;
  }
  if (!isJsonObject(parsed)) {
    const what = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return `expected a string holding a JSON object, got a string holding ${what}`;
  }
  return parsed;
}

/** The uri as a URL, or why it is not usable. */
export function parseUri(uri: JsonValue | undefined): URL | string {
  if (typeof uri !== 'string') return 'expected an absolute http: or https: URL (a string)';
  if (uri.length > MAX_URI_LENGTH) return `expected at most ${MAX_URI_LENGTH} characters, got ${uri.length}`;
  const url = URL.parse(uri);
  if (url === null) return `'${uri}' is not an absolute URL`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `expected an http: or https: URL, got ${url.protocol}`;
  }
  if (url.hostname === '') return 'expected a host';
  // Credentials in a URL end up in logs and in the stored task; headers can be kept out of both.
  if (url.username !== '' || url.password !== '') {
    return 'must not contain user:password; send credentials in headers (Authorization)';
  }
  return url;
}

/** The target's method (GET when absent), or null when it is not one of {@link HTTP_METHODS}. */
export function parseMethod(method: JsonValue | undefined): HttpMethod | null {
  if (method === undefined) return 'GET';
  return typeof method === 'string' && (HTTP_METHODS as readonly string[]).includes(method)
    ? (method as HttpMethod)
    : null;
}

function validateHeaders(headers: JsonValue | undefined, issues: ValidationIssue[]): void {
  if (headers === undefined) return;
  if (!isJsonObject(headers)) {
    issues.push({ path: 'headers', message: 'expected an object of header names to string values' });
    return;
  }
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) {
    issues.push({ path: 'headers', message: `expected at most ${MAX_HEADERS} headers, got ${names.length}` });
  }
  const seen = new Set<string>();
  for (const name of names) {
    const path = `headers.${name}`;
    const lower = name.toLowerCase();
    const value = headers[name];
    if (!TOKEN.test(name)) {
      issues.push({ path, message: `'${name}' is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~)` });
    } else if (SCHEDULER_HEADERS.has(lower) || lower.startsWith('x-br-')) {
      issues.push({ path, message: `'${name}' is set by the scheduler and cannot be overridden` });
    } else if (CLIENT_HEADERS.has(lower)) {
      issues.push({ path, message: `'${name}' is managed by the HTTP client and cannot be set` });
    } else if (seen.has(lower)) {
      issues.push({ path, message: `'${name}' repeats another header (names are case-insensitive)` });
    }
    seen.add(lower);
    if (typeof value !== 'string') {
      issues.push({ path, message: 'expected a string value' });
    } else if (value.length > MAX_HEADER_VALUE_LENGTH) {
      issues.push({ path, message: `expected at most ${MAX_HEADER_VALUE_LENGTH} characters, got ${value.length}` });
    } else if (!isHeaderValue(value)) {
      issues.push({ path, message: 'must not contain control characters (CR, LF, NUL, …) or characters above U+00FF' });
    }
  }
}

/** A target's fields as parsed while checking it; each is null when it has an issue. */
export interface CheckedHttpTarget {
  readonly issues: ValidationIssue[];
  readonly url: URL | null;
  readonly method: HttpMethod | null;
  readonly parameters: JsonObject | null;
}

/** Checks a target and keeps what it parsed, so that preparing the request parses nothing twice. */
export function checkHttpTarget(target: TaskTarget): CheckedHttpTarget {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(target)) {
    if (!KNOWN_FIELDS.has(key)) {
      issues.push({ path: key, message: `unknown field of an http target (known: ${[...KNOWN_FIELDS].join(', ')})` });
    }
  }
  if (target.kind !== 'http') issues.push({ path: 'kind', message: `expected 'http', got '${target.kind}'` });
  const url = parseUri(target['uri']);
  if (typeof url === 'string') issues.push({ path: 'uri', message: url });
  const method = parseMethod(target['method']);
  if (method === null) {
    const got = JSON.stringify(target['method']);
    issues.push({ path: 'method', message: `expected one of ${HTTP_METHODS.join(', ')} (uppercase), got ${got}` });
  }
  const parameters = parseParameters(target['parameters']);
  if (typeof parameters === 'string') {
    issues.push({ path: 'parameters', message: parameters });
  } else if (typeof url !== 'string' && method !== null && QUERY_METHODS.has(method)) {
    for (const [name, value] of Object.entries(parameters)) {
      // A name in both would be sent twice, and servers disagree on which one counts.
      if (url.searchParams.has(name)) {
        issues.push({ path: `parameters.${name}`, message: `'${name}' is already in the uri's query` });
      }
      // encodeURIComponent throws on a lone UTF-16 surrogate, which JSON can carry; other values
      // are sent as JSON text, which escapes them.
      if (LONE_SURROGATE.test(name) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
        issues.push({
          path: `parameters.${name}`,
          message: 'contains a lone UTF-16 surrogate, which cannot be URL-encoded',
        });
      }
    }
  }
  validateHeaders(target['headers'], issues);
  const timeout = target['timeout_ms'];
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS)
  ) {
    issues.push({
      path: 'timeout_ms',
      message: `expected a whole number of ms from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(timeout)}`,
    });
  }
  return {
    issues,
    url: typeof url === 'string' ? null : url,
    method,
    parameters: typeof parameters === 'string' ? null : parameters,
  };
}

/**
 * Checks an `http` target; each issue's path is relative to the target (`uri`, `headers.Accept`,
 * `parameters.team`). An empty list means the executor can call it.
 */
export function validateHttpTarget(target: TaskTarget): ValidationIssue[] {
  return checkHttpTarget(target).issues;
}
