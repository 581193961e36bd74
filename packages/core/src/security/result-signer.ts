import { createPublicKey, type KeyObject } from 'node:crypto';
import { rawPublicKeyBase64 } from './credentials.ts';
import { signEd25519, verifyEd25519 } from './signatures.ts';
import { messageSigningInput } from './signing-input.ts';

/** The scheduler's public key as it publishes it (`GET /v1/keys/scheduler`, `br-schedule public-key`). */
export interface PublishedKey {
  readonly algorithm: 'ed25519';
  /** SPKI PEM. */
  readonly public_key_pem: string;
  /** The raw 32 bytes, base64. */
  readonly public_key: string;
}

/**
 * Signs result messages with the scheduler's Ed25519 key: `scheduler_signature` covers the whole
 * message (RFC 8785 form, after the `br-schedule/result/v1` context line), so a requester can tell
 * that a result came from its scheduler and was not changed on the way.
 */
export class ResultSigner {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the result signing key must be Ed25519');
    this.privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
  }

  sign<T extends { readonly scheduler_signature: string | null }>(message: T): T {
    const input = messageSigningInput('result', message, 'scheduler_signature');
    return { ...message, scheduler_signature: signEd25519(this.privateKey, input) };
  }

  published(): PublishedKey {
    return {
      algorithm: 'ed25519',
      public_key_pem: this.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      public_key: rawPublicKeyBase64(this.publicKey),
    };
  }
}

/** Whether a result message carries the scheduler's valid signature. */
export function verifyResultSignature(publicKey: KeyObject, message: Readonly<Record<string, unknown>>): boolean {
  const signature = message['scheduler_signature'];
  if (typeof signature !== 'string') return false;
  return verifyEd25519(publicKey, messageSigningInput('result', message, 'scheduler_signature'), signature);
}
