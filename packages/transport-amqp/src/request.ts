import type { ConsumeMessage } from 'amqplib';

/** A well-formed request, as {@link AmqpTransportOptions.handle} receives it. */
export interface AmqpRequest {
  /** The message body: always a JSON object (anything else is refused before `handle`). */
  readonly body: Readonly<Record<string, unknown>>;
  /** AMQP `message_id`: the key for making a redelivered request idempotent. */
  readonly messageId: string | undefined;
  /** AMQP `correlation_id`, copied onto the reply. */
  readonly correlationId: string | undefined;
  /** AMQP `reply_to`: the queue the reply goes to (through the default exchange); none without it. */
  readonly replyTo: string | undefined;
  /** True when the broker delivered this message before (to this consumer or another) without an ack. */
  readonly redelivered: boolean;
  /** AMQP headers (`{}` when there are none). */
  readonly headers: Readonly<Record<string, unknown>>;
}

/** What `handle` decided for one request. */
export interface AmqpReply {
  /** The JSON body sent to the request's `reply_to` (if it has one). */
  readonly reply: unknown;
  /**
   * True: the request was refused (invalid, not authorised) and is dead-lettered after the reply
   * rather than acknowledged, so it can be inspected in the dead-letter queue.
   */
  readonly deadLetter: boolean;
  /** Why it was refused; logged with the dead-lettering. */
  readonly reason?: string;
}

/** A delivery decoded: the request, or why it is malformed. */
export type ParsedDelivery =
  | { readonly ok: true; readonly request: AmqpRequest }
  | { readonly ok: false; readonly reason: string; readonly code: 'MALFORMED_MESSAGE' | 'MESSAGE_TOO_LARGE' };

// `fatal`: a body that is not UTF-8 is malformed, not silently patched with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function malformed(reason: string): ParsedDelivery {
  return { ok: false, reason, code: 'MALFORMED_MESSAGE' };
}

/** Decodes a delivery's body (UTF-8 JSON, which must be an object, of at most `maxBytes`) and its properties. */
export function parseDelivery(message: ConsumeMessage, maxBytes: number): ParsedDelivery {
  if (message.content.length > maxBytes) {
    return { ok: false, reason: `the body is larger than ${maxBytes} bytes`, code: 'MESSAGE_TOO_LARGE' };
  }
  let text: string;
  try {
    text = utf8.decode(message.content);
  } catch {
    return malformed('the body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return malformed(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return malformed(`expected a JSON object, got ${describe(body)}`);
  }
  const properties = message.properties;
  return {
    ok: true,
    request: {
      body: body as Record<string, unknown>,
      messageId: stringOrUndefined(properties.messageId),
      correlationId: stringOrUndefined(properties.correlationId),
      replyTo: stringOrUndefined(properties.replyTo),
      redelivered: message.fields.redelivered,
      headers: (properties.headers ?? {}) as Record<string, unknown>,
    },
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
