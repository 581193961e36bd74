/**
 * `@br-sdk/schedule/security`: who is asking (signed requests, replay protection), what they may do
 * (ownership), how much (rate limits), and signed results. docs/security.md describes the protocol.
 */

export {
  type Principal,
  RequestAuthenticator,
  type RequestAuthenticatorOptions,
  type SignedRequest,
} from './authenticator.ts';
export {
  type CredentialEntry,
  CredentialSet,
  MIN_HMAC_SECRET_BYTES,
  type RequesterCredential,
  rawPublicKeyBase64,
  readEd25519PrivateKey,
  readEd25519PublicKey,
  readHmacSecret,
} from './credentials.ts';
export {
  AuthenticationError,
  type AuthenticationErrorCode,
  ForbiddenError,
  MessageTooLargeError,
  RateLimitedError,
} from './errors.ts';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';
export { DEFAULT_REPLAY_WINDOW_MS, ReplayGuard } from './replay-guard.ts';
export { RequestSigner, type SignedFields } from './request-signer.ts';
export { type PublishedKey, ResultSigner, verifyResultSignature } from './result-signer.ts';
export { signEd25519, signHmac, verifyEd25519, verifySignature } from './signatures.ts';
export {
  HTTP_SIGNING_CONTEXT,
  type HttpSigningParts,
  httpSigningInput,
  messageSigningInput,
  SIGNATURE_HEADERS,
  SIGNING_CONTEXTS,
  type SigningContext,
} from './signing-input.ts';
export type { RateLimit } from './token-bucket.ts';
