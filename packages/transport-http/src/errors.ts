/**
 * The codes of this package's own errors (problems a client can cause have their codes in
 * problem.ts). Like core's codes they are stable: a released code never changes meaning.
 */
export type HttpTransportErrorCode = 'HTTP_INVALID_OPTIONS' | 'WS_CHANNEL_CLOSED';

/** One problem with an option: which one (`port`) and why. */
export interface HttpOptionIssue {
  readonly path: string;
  readonly message: string;
}

/** Base class of every error `@br-sdk/schedule-http` throws or rejects with. */
export class HttpTransportError extends Error {
  readonly code: HttpTransportErrorCode;

  constructor(code: HttpTransportErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option is missing or out of range; `issues` names each one. Code `HTTP_INVALID_OPTIONS`. */
export class HttpOptionsError extends HttpTransportError {
  readonly issues: readonly HttpOptionIssue[];

  constructor(issues: readonly HttpOptionIssue[]) {
    super(
      'HTTP_INVALID_OPTIONS',
      `invalid HTTP transport options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}

/**
 * A result was released before a subscriber acknowledged it: the WebSocket result channel closed
 * (the transport stopped) or is closing (draining for a shutdown). The result stays in the store's
 * outbox and is delivered again. Code `WS_CHANNEL_CLOSED`.
 */
export class ResultChannelClosedError extends HttpTransportError {
  constructor(runId: string, state: 'closing' | 'closed') {
    super('WS_CHANNEL_CLOSED', `result ${runId} not acknowledged: the WebSocket result channel is ${state}`);
  }
}
