import type { ErrorBody, Reply, ResultMessage } from '@br-sdk/schedule/contract';

/**
 * The WebSocket protocol's frames: JSON text frames, told apart by `type`. A frame without `type`
 * (or with `type: 'request'`) is a request message of the contract, answered by a `reply` frame.
 */

/**
 * Client → server: subscribe to a requester's results. With authentication on, the frame is signed
 * like a request message (`timestamp`, `nonce`, `requester_signature`), and only the signer's own
 * results can be subscribed to.
 */
export interface SubscribeFrame {
  readonly type: 'subscribe';
  readonly requester_id: string;
  /** The whole frame as received, `type` included: what its signature covers. */
  readonly signed: Readonly<Record<string, unknown>>;
}

/** Client → server: stop receiving a requester's results on this connection. */
export interface UnsubscribeFrame {
  readonly type: 'unsubscribe';
  readonly requester_id: string;
}

/** Client → server: the result with this cursor is processed; the server may forget it. */
export interface AckFrame {
  readonly type: 'ack';
  readonly cursor: string;
}

/** Client → server: a contract request (`op` absent means create), `type` removed. */
export interface RequestFrame {
  readonly type: 'request';
  readonly message: Readonly<Record<string, unknown>>;
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | AckFrame | RequestFrame;

/** Server → client: the answer to a request, the RequestHandler's reply with `type` added. */
export type ReplyFrame = { readonly type: 'reply' } & Reply;

/** Server → client: a subscription is in place (sent before any of its results). */
export interface SubscribedFrame {
  readonly type: 'subscribed' | 'unsubscribed';
  readonly requester_id: string;
}

/** Server → client: a result to acknowledge with `{ type: 'ack', cursor }`. `cursor` is the run id. */
export interface ResultFrame {
  readonly type: 'result';
  readonly cursor: string;
  readonly result: ResultMessage;
}

/** Server → client: a frame that could not be read. The connection stays open. */
export interface ErrorFrame {
  readonly type: 'error';
  readonly error: ErrorBody;
}

export type ServerFrame = ReplyFrame | SubscribedFrame | ResultFrame | ErrorFrame;

/** Longest requester id or cursor a frame may carry. */
const MAX_ID_LENGTH = 256;

function malformed(message: string, path: string, reason: string): { error: ErrorBody } {
  return { error: { code: 'MALFORMED_MESSAGE', message, issues: [{ path, message: reason }] } };
}

function readId(body: Record<string, unknown>, key: string): string | { error: ErrorBody } {
  const value = body[key];
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH) {
    return malformed(
      `invalid ${String(body['type'])} frame`,
      key,
      `expected a string of 1-${MAX_ID_LENGTH} characters`,
    );
  }
  return value;
}

/** Reads one text frame; malformed frames (not JSON, not an object, unknown `type`) give an error body. */
export function readFrame(text: string): ClientFrame | { error: ErrorBody } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return malformed('the frame is not valid JSON', '', 'invalid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return malformed('a frame must be a JSON object', '', 'expected an object');
  }
  const fields = body as Record<string, unknown>;
  const type = fields['type'];
  switch (type) {
    case undefined:
    case 'request': {
      const { type: _type, ...message } = fields;
      return { type: 'request', message };
    }
    case 'subscribe': {
      const requesterId = readId(fields, 'requester_id');
      return typeof requesterId === 'string' ? { type, requester_id: requesterId, signed: fields } : requesterId;
    }
    case 'unsubscribe': {
      const requesterId = readId(fields, 'requester_id');
      return typeof requesterId === 'string' ? { type, requester_id: requesterId } : requesterId;
    }
    case 'ack': {
      const cursor = readId(fields, 'cursor');
      return typeof cursor === 'string' ? { type, cursor } : cursor;
    }
    default:
      return malformed('unknown frame type', 'type', 'expected request (or no type), subscribe, unsubscribe or ack');
  }
}
