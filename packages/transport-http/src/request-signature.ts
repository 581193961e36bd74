import { httpSigningInput, SIGNATURE_HEADERS, type SignedRequest } from '@br-sdk/schedule/security';
import type { FastifyRequest } from 'fastify';

/**
 * The body bytes of each request as they arrived: the signature covers them, not the parsed JSON.
 * Kept beside the request (not decorated onto it) so nothing else comes to rely on them.
 */
export const rawBodies = new WeakMap<FastifyRequest, Buffer>();

const EMPTY = Buffer.alloc(0);

/** How errors name the headers: as a client writes them. */
const HEADER_NAMES = {
  requester_id: 'X-Br-Requester-Id',
  timestamp: 'X-Br-Timestamp',
  nonce: 'X-Br-Nonce',
  requester_signature: 'X-Br-Signature',
} as const;

/** One header's value; a repeated header is no value, so the check reports it as missing. */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** What the authenticator checks of a REST request: the X-Br-* headers over the request as sent. */
export function signedRequestOf(request: FastifyRequest): SignedRequest {
  const requesterId = header(request, SIGNATURE_HEADERS.requester_id);
  const timestamp = header(request, SIGNATURE_HEADERS.timestamp);
  const nonce = header(request, SIGNATURE_HEADERS.nonce);
  return {
    requesterId,
    timestamp,
    nonce,
    signature: header(request, SIGNATURE_HEADERS.requester_signature),
    fieldNames: HEADER_NAMES,
    signingInput: () =>
      httpSigningInput({
        method: request.method,
        // The target as it was on the request line, before any decoding or routing.
        target: request.raw.url ?? request.url,
        requesterId: requesterId ?? '',
        timestamp: timestamp ?? '',
        nonce: nonce ?? '',
        body: rawBodies.get(request) ?? EMPTY,
      }),
  };
}
