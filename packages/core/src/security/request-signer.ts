import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { readEd25519PrivateKey, readHmacSecret } from './credentials.ts';
import { signEd25519, signHmac } from './signatures.ts';
import { httpSigningInput, messageSigningInput, SIGNATURE_HEADERS } from './signing-input.ts';

type Key =
  | { readonly kind: 'ed25519'; readonly privateKey: KeyObject }
  | { readonly kind: 'hmac'; readonly secret: KeyObject };

/**
 * The requester's side of docs/security.md, for Node services that call a sidecar: adds
 * `requester_id`, `timestamp`, `nonce` and `requester_signature` to a message (AMQP, WebSocket),
 * or makes the X-Br-* headers of a REST request.
 *
 * @example
 * ```ts
 * const signer = RequestSigner.ed25519(requesterId, readFileSync(`${requesterId}.key`, 'utf8'));
 * channel.sendToQueue('br.schedule.requests', Buffer.from(JSON.stringify(signer.signMessage({ uri, schedule }))));
 * ```
 */
export class RequestSigner {
  readonly requesterId: string;
  private readonly key: Key;
  private readonly now: () => number;

  private constructor(requesterId: string, key: Key, now: () => number) {
    this.requesterId = requesterId;
    this.key = key;
    this.now = now;
  }

  /** From the requester's Ed25519 private key (PKCS #8 PEM, as `br-schedule keygen` writes it). */
  static ed25519(requesterId: string, privateKeyPem: string, now: () => number = Date.now): RequestSigner {
    return new RequestSigner(requesterId, { kind: 'ed25519', privateKey: readEd25519PrivateKey(privateKeyPem) }, now);
  }

  /** From a shared HMAC secret (base64, or `hex:…`; at least 32 bytes). */
  static hmac(requesterId: string, secret: string, now: () => number = Date.now): RequestSigner {
    return new RequestSigner(requesterId, { kind: 'hmac', secret: createSecretKey(readHmacSecret(secret)) }, now);
  }

  /** The message with this requester's id, a fresh timestamp and nonce, and the signature over all of it. */
  signMessage<T extends Record<string, unknown>>(message: T): T & SignedFields {
    const fields = { ...message, requester_id: this.requesterId, timestamp: this.timestamp(), nonce: nonce() };
    return { ...fields, requester_signature: this.sign(messageSigningInput('request', fields, 'requester_signature')) };
  }

  /** The headers of a REST request: `target` is the path and query exactly as sent, `body` the bytes as sent. */
  signHttp(request: {
    readonly method: string;
    readonly target: string;
    readonly body?: Buffer | string;
  }): Record<string, string> {
    const timestamp = this.timestamp();
    const fresh = nonce();
    const input = httpSigningInput({
      ...request,
      body: request.body ?? '',
      requesterId: this.requesterId,
      timestamp,
      nonce: fresh,
    });
    return {
      [SIGNATURE_HEADERS.requester_id]: this.requesterId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: fresh,
      [SIGNATURE_HEADERS.requester_signature]: this.sign(input),
    };
  }

  private sign(input: Buffer): string {
    return this.key.kind === 'ed25519' ? signEd25519(this.key.privateKey, input) : signHmac(this.key.secret, input);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

/** What signMessage adds. (A type, not an interface, so a signed message is still a plain record.) */
export type SignedFields = {
  readonly requester_id: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly requester_signature: string;
};

/** 128 random bits, base64url: unique without coordination. */
function nonce(): string {
  return randomBytes(16).toString('base64url');
}
