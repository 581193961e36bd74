import type { ValidationIssue } from '../errors.ts';
import type { Clock } from '../timing/clock.ts';
import type { CredentialSet } from './credentials.ts';
import { AuthenticationError, type AuthenticationErrorCode } from './errors.ts';
import { ReplayGuard } from './replay-guard.ts';
import { verifySignature } from './signatures.ts';
import { messageSigningInput } from './signing-input.ts';

/** Who a request is from, once its signature checked out. */
export interface Principal {
  readonly requesterId: string;
  /** May act on every requester's tasks. */
  readonly admin: boolean;
}

/** What a channel read off a request to check who sent it. */
export interface SignedRequest {
  readonly requesterId: unknown;
  readonly timestamp: unknown;
  readonly nonce: unknown;
  readonly signature: unknown;
  /** The bytes the signature covers, made by the channel from the request (see signing-input.ts). */
  readonly signingInput: () => Buffer;
  /** How the channel names each field in an error: a message's member, or an HTTP header. */
  readonly fieldNames?: Readonly<
    Partial<Record<'requester_id' | 'timestamp' | 'nonce' | 'requester_signature', string>>
  >;
}

export interface RequestAuthenticatorOptions {
  readonly credentials: CredentialSet;
  /** Accepted distance between a request's timestamp and now. @default 300000 (±5 min) */
  readonly windowMs?: number;
  readonly clock: Pick<Clock, 'now'>;
}

/** 16 to 128 characters from the base64url alphabet: 96 random bits at least, and safe in any header. */
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const MAX_TIMESTAMP_LENGTH = 64;

/**
 * Ties each request to a trusted requester: the requester is known, the timestamp is inside the
 * window, the nonce is new, and the signature is the requester's over the request. The same checks
 * run for every channel; only how the signed bytes are made differs (a JSON message, an HTTP request).
 */
export class RequestAuthenticator {
  private readonly credentials: CredentialSet;
  private readonly replay: ReplayGuard;

  constructor(options: RequestAuthenticatorOptions) {
    this.credentials = options.credentials;
    this.replay = new ReplayGuard({
      clock: options.clock,
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    });
  }

  /** Nonces remembered now (for metrics). */
  get remembered(): number {
    return this.replay.size;
  }

  /** A contract message: its `requester_id`, `timestamp`, `nonce`, and `requester_signature` over the rest. */
  authenticateMessage(message: Readonly<Record<string, unknown>>): Principal {
    return this.authenticate({
      requesterId: message['requester_id'],
      timestamp: message['timestamp'],
      nonce: message['nonce'],
      signature: message['requester_signature'],
      signingInput: () => messageSigningInput('request', message, 'requester_signature'),
    });
  }

  /** Throws AuthenticationError with the code of the first check that fails. */
  authenticate(request: SignedRequest): Principal {
    const name = (field: 'requester_id' | 'timestamp' | 'nonce' | 'requester_signature') =>
      request.fieldNames?.[field] ?? field;
    const missing: ValidationIssue[] = [];
    const { requesterId, timestamp, nonce, signature } = request;
    if (typeof requesterId !== 'string' || requesterId === '')
      missing.push({ path: name('requester_id'), message: 'required' });
    if (typeof timestamp !== 'string' || timestamp.length > MAX_TIMESTAMP_LENGTH)
      missing.push({ path: name('timestamp'), message: 'required: an RFC 3339 date-time' });
    if (typeof nonce !== 'string' || !NONCE.test(nonce))
      missing.push({ path: name('nonce'), message: 'required: 16-128 characters of A-Z a-z 0-9 _ -' });
    if (typeof signature !== 'string' || signature === '')
      missing.push({ path: name('requester_signature'), message: 'required' });
    if (missing.length > 0) throw new AuthenticationError('UNAUTHENTICATED', 'the request is not signed', missing);
    const id = requesterId as string;
    const credential = this.credentials.get(id);
    if (credential === undefined) {
      throw new AuthenticationError('UNAUTHENTICATED', 'no key is configured for this requester', [
        { path: name('requester_id'), message: 'unknown requester' },
      ]);
    }
    const authentic = () => {
      if (verifySignature(credential, request.signingInput(), signature as string)) return;
      throw new AuthenticationError(
        'SIGNATURE_INVALID',
        'the signature does not match the request and the requester’s key',
        [{ path: name('requester_signature'), message: 'does not verify' }],
      );
    };
    try {
      // Window and nonce first (cheap), then the signature, then the nonce is recorded.
      this.replay.admit(credential.requesterId, timestamp as string, nonce as string, authentic);
    } catch (error) {
      // The guard names `timestamp` and `nonce`; the channel may call them otherwise (HTTP headers).
      if (
        !(error instanceof AuthenticationError) ||
        request.fieldNames === undefined ||
        error.code === 'SIGNATURE_INVALID'
      )
        throw error;
      const issues = error.issues.map((i) => ({ ...i, path: name(i.path as 'timestamp' | 'nonce') }));
      throw new AuthenticationError(error.code as AuthenticationErrorCode, error.message, issues);
    }
    return { requesterId: credential.requesterId, admin: credential.admin };
  }
}
