import type { JsonObject, TaskTarget, ValidationIssue } from '@br-sdk/schedule';
import { checkHttpTarget, type HttpMethod, isJsonObject, QUERY_METHODS } from './http-target.ts';

/**
 * The part of a request that is the same for every attempt of every run of one target: computed
 * once per target, so an attempt only adds the per-run headers.
 */
export interface PreparedRequest {
  /** `https://host:port`, the key of the connection pool. */
  readonly origin: string;
  /** The URL's hostname (`[::1]` with brackets), for the target guard. */
  readonly hostname: string;
  /** Path and query, as sent on the request line. */
  readonly path: string;
  readonly method: HttpMethod;
  /** The JSON body, or null (query methods, or no parameters). */
  readonly body: string | null;
  /** The target's headers (plus `content-type` for a JSON body) as undici's flat `[name, value, …]` list. */
  readonly headers: readonly string[];
  readonly timeoutMs: number;
}

/** `name=value` with both sides percent-encoded; a string value as is, any other as its JSON text. */
export function encodeQuery(parameters: JsonObject): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(text)}`);
  }
  return pairs.join('&');
}

/**
 * Turns a target into the request to send, or returns its issues (see `validateHttpTarget`).
 * The uri's own query stays as the URL parser normalised it; the parameters are appended after it.
 */
export function prepareRequest(target: TaskTarget, defaultTimeoutMs: number): PreparedRequest | ValidationIssue[] {
  const { issues, url, method, parameters } = checkHttpTarget(target);
  if (issues.length > 0 || url === null || method === null || parameters === null) return issues;
  const hasParameters = target['parameters'] !== undefined;

  let path = `${url.pathname}${url.search}`;
  let body: string | null = null;
  if (hasParameters && QUERY_METHODS.has(method)) {
    const query = encodeQuery(parameters);
    if (query !== '') path += `${url.search === '' ? '?' : '&'}${query}`;
  } else if (hasParameters) {
    // A string is sent as written: parsing and re-encoding it would round numbers beyond 2^53.
    const raw = target['parameters'];
    body = typeof raw === 'string' ? raw : JSON.stringify(parameters);
  }

  const headers: string[] = [];
  let contentType = false;
  const own = target['headers'];
  if (isJsonObject(own)) {
    for (const [name, value] of Object.entries(own)) {
      headers.push(name, value as string);
      if (name.toLowerCase() === 'content-type') contentType = true;
    }
  }
  if (body !== null && !contentType) headers.push('content-type', 'application/json');
  const timeout = target['timeout_ms'];
  return {
    origin: url.origin,
    hostname: url.hostname,
    path,
    method,
    body,
    headers,
    timeoutMs: typeof timeout === 'number' ? timeout : defaultTimeoutMs,
  };
}
