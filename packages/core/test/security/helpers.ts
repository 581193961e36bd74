import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type CredentialEntry,
  CredentialSet,
  messageSigningInput,
  readEd25519PrivateKey,
  signEd25519,
  signHmac,
} from '../../src/security/index.ts';

/** spec/vectors/signing.json, as every client loads it. */
export interface SigningVectors {
  readonly keys: {
    readonly requester_id: string;
    readonly requester_ed25519_private_pem: string;
    readonly requester_ed25519_public_pem: string;
    readonly requester_ed25519_public_raw: string;
    readonly requester_hmac_secret_base64: string;
    readonly scheduler_ed25519_private_pem: string;
    readonly scheduler_ed25519_public_pem: string;
  };
  readonly messages: readonly {
    readonly name: string;
    readonly message: Record<string, unknown>;
    readonly signing_input: string;
    readonly ed25519_signature: string;
    readonly hmac_signature: string;
  }[];
  readonly http: readonly {
    readonly name: string;
    readonly method: string;
    readonly target: string;
    readonly nonce: string;
    readonly body: string;
    readonly requester_id: string;
    readonly timestamp: string;
    readonly signing_input: string;
    readonly ed25519_signature: string;
    readonly hmac_signature: string;
  }[];
  readonly result: {
    readonly signing_input: string;
    readonly signed: Record<string, unknown> & { scheduler_signature: string };
    readonly tampered: Record<string, unknown> & { scheduler_signature: string };
  };
}

export const vectors = JSON.parse(
  readFileSync(new URL('../../../../spec/vectors/signing.json', import.meta.url), 'utf8'),
) as SigningVectors;

/** Requesters of the tests: A and B (Ed25519), H (HMAC), and an admin (Ed25519). */
export const A = '0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b';
export const B = '7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a';
export const H = '5b2c9d1e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
export const ADMIN = 'a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4';
/** A well-formed id no key is configured for. */
export const STRANGER = '99999999-9999-4999-8999-999999999999';

export const START = '2026-11-22T10:00:00.000Z';

export interface Ed25519Pair {
  readonly privatePem: string;
  readonly publicPem: string;
}

export function ed25519Pair(): Ed25519Pair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export const keys = {
  a: ed25519Pair(),
  b: ed25519Pair(),
  admin: ed25519Pair(),
  h: randomBytes(32).toString('base64'),
};

export const entries: readonly CredentialEntry[] = [
  { requester_id: A, public_key: keys.a.publicPem },
  { requester_id: B, public_key: keys.b.publicPem },
  { requester_id: H, hmac_secret: keys.h },
  { requester_id: ADMIN, public_key: keys.admin.publicPem, admin: true },
];

export const credentials = (): CredentialSet => CredentialSet.fromEntries(entries);

/** A random nonce of the protocol's form (22 characters of base64url). */
export const freshNonce = (): string => randomBytes(16).toString('base64url');

/**
 * A message signed by hand, with the timestamp and nonce given (RequestSigner always takes now and a
 * fresh nonce): for the tests that need a stale timestamp or a repeated nonce.
 */
export function signAs(
  requesterId: string,
  key: { readonly privatePem: string } | string,
  message: Record<string, unknown>,
  fields: { readonly timestamp: string; readonly nonce?: string },
): Record<string, unknown> {
  const unsigned = {
    ...message,
    requester_id: requesterId,
    timestamp: fields.timestamp,
    nonce: fields.nonce ?? freshNonce(),
  };
  const input = messageSigningInput('request', unsigned, 'requester_signature');
  const signature =
    typeof key === 'string'
      ? signHmac(Buffer.from(key, 'base64'), input)
      : signEd25519(readEd25519PrivateKey(key.privatePem), input);
  return { ...unsigned, requester_signature: signature };
}

/** `{ now }` that a test moves by hand. */
export function manualClock(start: string | number = START) {
  let now = typeof start === 'number' ? start : Date.parse(start);
  return {
    now: () => now,
    set: (at: string | number) => {
      now = typeof at === 'number' ? at : Date.parse(at);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Runs `act` and returns what it threw (fails the test when it throws nothing). */
export function thrown(act: () => unknown): Error & { code?: string; issues?: { path: string; message: string }[] } {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
