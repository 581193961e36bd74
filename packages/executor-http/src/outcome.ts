import type { ExecutionOutcome } from '@br-sdk/schedule';
import type { Dispatcher } from 'undici';
import { parseRetryAfter } from './retry-after.ts';

/** Statuses worth another attempt: the server may answer differently later (RFC 9110 §15.5.9, RFC 6585 §4, 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The outcome of an attempt that got a response: success iff 2xx. The body is the content either
 * way. A retryable status carries the wait its `Retry-After` asks for.
 */
export function responseOutcome(
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  content: string,
  truncated: boolean,
  now: number,
): ExecutionOutcome {
  if (status >= 200 && status < 300) {
    return { status: 'success', content, error: null, http_status: status, truncated };
  }
  const retryable = isRetryableStatus(status);
  const retryAfter = retryable ? parseRetryAfter(headers['retry-after'], now) : undefined;
  return {
    status: 'failed',
    content,
    error: `HTTP ${status}`,
    http_status: status,
    truncated,
    retryable,
    ...(retryAfter === undefined ? {} : { retry_after_ms: retryAfter }),
  };
}

/**
 * Codes that mean the request itself is wrong, so sending it again cannot help: undici's, and the
 * target guard's refusal (TargetRefusedError): a target found reaching a forbidden address is
 * not tried again moments later, which would only probe it.
 */
const PERMANENT_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INVALID_RETURN_VALUE',
  'TARGET_FORBIDDEN',
]);

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly errors?: unknown;
}

/** The error's code, or that of the first error an AggregateError holds. */
function codeOf(error: unknown): string | undefined {
  const e = error as ErrorLike | null;
  if (typeof e?.code === 'string') return e.code;
  return Array.isArray(e?.errors) ? codeOf(e.errors[0]) : undefined;
}

/**
 * A short, stable description of a transport error: `ECONNREFUSED 127.0.0.1:9` for a socket error
 * with an address, the message prefixed with its code otherwise (`UND_ERR_SOCKET: other side
 * closed`), each address tried when the connection raced IPv6 and IPv4 (an AggregateError).
 */
export function describeNetworkError(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.map(describeNetworkError).join('; ');
  const code = codeOf(e);
  const message = typeof e.message === 'string' ? e.message : '';
  if (code !== undefined && typeof e.address === 'string') {
    const host = e.address.includes(':') ? `[${e.address}]` : e.address;
    return typeof e.port === 'number' ? `${code} ${host}:${e.port}` : `${code} ${host}`;
  }
  if (code === undefined) return message || 'network error';
  if (message === '' || message === code) return code;
  return message.includes(code) ? message : `${code}: ${message}`;
}

/**
 * The outcome of an attempt that got no (complete) response. Retryable unless the request itself
 * was refused by the client as malformed. `http_status` is kept when the headers had arrived.
 */
export function transportOutcome(error: string, retryable: boolean, httpStatus: number | null): ExecutionOutcome {
  return { status: 'failed', content: null, error, http_status: httpStatus, retryable };
}

export function networkErrorOutcome(error: unknown, httpStatus: number | null): ExecutionOutcome {
  const code = codeOf(error);
  const retryable = code !== undefined && !PERMANENT_CODES.has(code);
  return transportOutcome(describeNetworkError(error), retryable, httpStatus);
}
