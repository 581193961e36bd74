import type { WireErrorCode } from '@br-sdk/schedule/contract';

/**
 * The replies the transport itself sends, in the same `{ ok: false, error }` shape as the
 * scheduler's own error replies, so clients map one set of codes.
 */
export interface AmqpErrorReply {
  readonly ok: false;
  readonly error: {
    /** Codes of the contract's list, so the two cannot drift apart. */
    readonly code: Extract<WireErrorCode, 'MALFORMED_MESSAGE' | 'MESSAGE_TOO_LARGE' | 'INTERNAL'>;
    readonly message: string;
    readonly issues?: readonly { readonly path: string; readonly message: string }[];
  };
}

/** The reply to a body that is not a UTF-8 JSON object, or is too large to read. */
export function malformedReply(
  reason: string,
  code: 'MALFORMED_MESSAGE' | 'MESSAGE_TOO_LARGE' = 'MALFORMED_MESSAGE',
): AmqpErrorReply {
  return {
    ok: false,
    error: {
      code,
      message: `${code === 'MALFORMED_MESSAGE' ? 'malformed request' : 'request refused'}: ${reason}`,
      issues: [{ path: '', message: reason }],
    },
  };
}

/**
 * The reply when handling failed unexpectedly. The cause stays in the log: its message may hold
 * internals that are not the requester's business.
 */
export function internalReply(): AmqpErrorReply {
  return {
    ok: false,
    error: { code: 'INTERNAL', message: 'internal error while handling the request; it was dead-lettered' },
  };
}
