import { SchedulerError, type ValidationIssue } from '../errors.ts';

/** Why a request's credentials were refused; each reason is its own stable code. */
export type AuthenticationErrorCode = 'UNAUTHENTICATED' | 'SIGNATURE_INVALID' | 'REQUEST_EXPIRED' | 'REQUEST_REPLAYED';

/**
 * The request could not be tied to a trusted requester: credentials missing or unknown
 * (UNAUTHENTICATED), a signature that does not verify (SIGNATURE_INVALID), a timestamp outside the
 * window (REQUEST_EXPIRED), or a nonce already used (REQUEST_REPLAYED). `issues` name the field.
 */
export class AuthenticationError extends SchedulerError {
  readonly issues: readonly ValidationIssue[];

  constructor(code: AuthenticationErrorCode, message: string, issues: readonly ValidationIssue[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

/** An authenticated requester asked for what only the owner or an admin may do. */
export class ForbiddenError extends SchedulerError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[] = []) {
    super('FORBIDDEN', message);
    this.issues = issues;
  }
}

/** Too many requests from one requester or address: try again after `retryAfterMs`. */
export class RateLimitedError extends SchedulerError {
  readonly retryAfterMs: number;
  /** What was limited: `requester` or `source`. */
  readonly scope: 'requester' | 'source';

  constructor(scope: 'requester' | 'source', retryAfterMs: number) {
    super('RATE_LIMITED', `too many requests from this ${scope}: retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.scope = scope;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A message bigger than the channel takes. Nothing of it was read. */
export class MessageTooLargeError extends SchedulerError {
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super('MESSAGE_TOO_LARGE', `the message is larger than ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}
