import { hash } from 'node:crypto';
import { canonicalJson } from '../scheduler/request-hash.ts';

/**
 * What is signed. A message is signed as its RFC 8785 canonical JSON (keys sorted by UTF-16 code
 * units, ECMAScript number and string forms, no whitespace) without its signature member, after a
 * context line. The context line keeps a signature made for one purpose from verifying for another:
 * a scheduler's signed result can never pass as a request, nor the reverse.
 */
export const SIGNING_CONTEXTS = {
  request: 'br-schedule/request/v1',
  result: 'br-schedule/result/v1',
} as const;

export type SigningContext = keyof typeof SIGNING_CONTEXTS;

/** The bytes a message's signature covers: `context + "\n" + JCS(message without signatureField)`. */
export function messageSigningInput(
  context: SigningContext,
  message: Readonly<Record<string, unknown>>,
  signatureField: string,
): Buffer {
  const { [signatureField]: _signature, ...signed } = message;
  return Buffer.from(`${SIGNING_CONTEXTS[context]}\n${canonicalJson(signed)}`, 'utf8');
}

/**
 * How a REST request is signed. A REST request is not one JSON message (a GET has no body), so
 * what is signed is the request itself: method, target, who, when, a nonce, and the body's digest,
 * one per line after a context line. The four values travel in headers; see docs/security.md.
 */
export const HTTP_SIGNING_CONTEXT = 'br-schedule/http/v1';

/** The headers of a signed REST request (HTTP header names are case-insensitive). */
export const SIGNATURE_HEADERS = {
  requester_id: 'x-br-requester-id',
  timestamp: 'x-br-timestamp',
  nonce: 'x-br-nonce',
  requester_signature: 'x-br-signature',
} as const;

export interface HttpSigningParts {
  /** Upper case, e.g. `POST`. */
  readonly method: string;
  /** The request target exactly as sent on the request line: path and query, e.g. `/v1/tasks?status=active`. */
  readonly target: string;
  readonly requesterId: string;
  readonly timestamp: string;
  readonly nonce: string;
  /** The body's bytes as sent; empty when there is none. */
  readonly body: Buffer | string;
}

/** `context \n METHOD \n target \n requester_id \n timestamp \n nonce \n hex(SHA-256(body))`, UTF-8. */
export function httpSigningInput(parts: HttpSigningParts): Buffer {
  const digest = hash('sha256', parts.body, 'hex');
  return Buffer.from(
    [
      HTTP_SIGNING_CONTEXT,
      parts.method.toUpperCase(),
      parts.target,
      parts.requesterId,
      parts.timestamp,
      parts.nonce,
      digest,
    ].join('\n'),
    'utf8',
  );
}
