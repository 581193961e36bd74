/**
 * The codes of this package's errors. Like core's codes they are stable: a released code never
 * changes meaning.
 */
export type AmqpErrorCode = 'AMQP_INVALID_OPTIONS' | 'AMQP_NOT_CONNECTED' | 'AMQP_PUBLISH_FAILED' | 'AMQP_UNROUTABLE';

/** One problem with an option: which one (`prefetch`) and why. */
export interface AmqpOptionIssue {
  readonly path: string;
  readonly message: string;
}

/** Base class of every error `@br-sdk/schedule-amqp` throws or rejects with. */
export class AmqpTransportError extends Error {
  readonly code: AmqpErrorCode;

  constructor(code: AmqpErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option is missing or out of range; `issues` names each one. Code `AMQP_INVALID_OPTIONS`. */
export class AmqpOptionsError extends AmqpTransportError {
  readonly issues: readonly AmqpOptionIssue[];

  constructor(issues: readonly AmqpOptionIssue[]) {
    super(
      'AMQP_INVALID_OPTIONS',
      `invalid AMQP transport options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}

/**
 * The transport has no usable connection to the broker (stopped, or still reconnecting after the
 * wait allowed). Nothing was published; retrying later is safe. Code `AMQP_NOT_CONNECTED`.
 */
export class AmqpNotConnectedError extends AmqpTransportError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('AMQP_NOT_CONNECTED', message, options);
  }
}

/**
 * A publish was not confirmed: the broker nacked it, the connection dropped before its confirm,
 * or the message could not be encoded. It may or may not have reached the broker, so a retry can
 * duplicate it (consumers deduplicate by `message_id`). Code `AMQP_PUBLISH_FAILED`.
 */
export class AmqpPublishError extends AmqpTransportError {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('AMQP_PUBLISH_FAILED', message, options);
  }
}

/**
 * The broker took a mandatory message but had no queue to route it to (a result for a requester
 * that has not bound a queue yet): it was returned, not delivered. Code `AMQP_UNROUTABLE`.
 */
export class AmqpUnroutableError extends AmqpTransportError {
  constructor(message: string) {
    super('AMQP_UNROUTABLE', message);
  }
}
