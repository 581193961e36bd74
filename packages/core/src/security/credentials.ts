import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { InvalidArgumentError, type ValidationIssue } from '../errors.ts';

/**
 * How a requester proves who it is: an Ed25519 public key (the scheduler never holds the private
 * half), or an HMAC-SHA256 secret shared with the scheduler (simpler, for small set-ups). The kind
 * is the scheduler's configuration, never the message's say, so a message cannot pick a weaker check.
 */
export type RequesterCredential =
  | { readonly requesterId: string; readonly kind: 'ed25519'; readonly publicKey: KeyObject; readonly admin: boolean }
  | {
      readonly requesterId: string;
      readonly kind: 'hmac';
      /** A secret KeyObject: HMAC with one costs about a quarter of HMAC with the raw bytes (measured: 4 µs against 17). */
      readonly secret: KeyObject;
      readonly admin: boolean;
    };

/** One entry of a key list, as configured (a file listing requesters, or built in code). */
export interface CredentialEntry {
  readonly requester_id: string;
  /** Ed25519 public key: PEM (SPKI), or the raw 32 bytes in base64. */
  readonly public_key?: string;
  /** HMAC-SHA256 secret: at least 32 bytes once decoded, given as base64 (`base64:` prefix optional) or hex (`hex:` prefix). */
  readonly hmac_secret?: string;
  /** May act on every requester's tasks. @default false */
  readonly admin?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** 256 bits: HMAC-SHA256's own block of security; a shorter secret is guessable sooner. */
export const MIN_HMAC_SECRET_BYTES = 32;

/** An Ed25519 public key from PEM or raw base64; throws with the reason. */
export function readEd25519PublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  // Node would derive the public key from a private one: refuse it, so a private key never sits in the scheduler's keys.
  if (trimmed.includes('PRIVATE KEY-----'))
    throw new Error('expected a public key, got a private key (keep it with the requester)');
  const key = trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : rawPublicKey(Buffer.from(trimmed, 'base64'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

function rawPublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error(`expected 32 raw bytes in base64, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** An Ed25519 private key from PEM (PKCS #8); throws with the reason. */
export function readEd25519PrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

/** The raw 32 bytes of an Ed25519 public key, base64: the short form clients may configure. */
export function rawPublicKeyBase64(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('base64');
}

/** An HMAC secret from `base64:…`, `hex:…` or bare base64; throws when shorter than 32 bytes. */
export function readHmacSecret(text: string): Buffer {
  const trimmed = text.trim();
  const secret = trimmed.startsWith('hex:')
    ? Buffer.from(trimmed.slice(4), 'hex')
    : Buffer.from(trimmed.replace(/^base64:/, ''), 'base64');
  if (secret.length < MIN_HMAC_SECRET_BYTES) {
    throw new Error(`expected at least ${MIN_HMAC_SECRET_BYTES} bytes of secret, got ${secret.length}`);
  }
  return secret;
}

/**
 * The requesters the scheduler trusts, by id. Built from entries; every bad entry is reported at
 * once with its path (`[2].public_key: expected an Ed25519 key`).
 */
export class CredentialSet {
  private readonly byId: ReadonlyMap<string, RequesterCredential>;

  private constructor(byId: ReadonlyMap<string, RequesterCredential>) {
    this.byId = byId;
  }

  static of(credentials: readonly RequesterCredential[]): CredentialSet {
    return new CredentialSet(new Map(credentials.map((c) => [c.requesterId.toLowerCase(), c])));
  }

  /** From configured entries; `admins` adds admin rights by id. Throws InvalidArgumentError naming each bad entry. */
  static fromEntries(
    entries: readonly CredentialEntry[],
    admins: readonly string[] = [],
    subject = 'keys',
  ): CredentialSet {
    const issues: ValidationIssue[] = [];
    const credentials: RequesterCredential[] = [];
    const adminIds = new Set(admins.map((id) => id.toLowerCase()));
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const read = readEntry(entry, `[${index}]`, adminIds, seen);
      if ('issue' in read) issues.push(read.issue);
      else credentials.push(read.credential);
    });
    for (const id of adminIds) {
      if (!seen.has(id)) issues.push({ path: 'admins', message: `${id} has no key` });
    }
    if (issues.length > 0) throw new InvalidArgumentError(subject, issues);
    return CredentialSet.of(credentials);
  }

  get(requesterId: string): RequesterCredential | undefined {
    return this.byId.get(requesterId.toLowerCase());
  }

  get size(): number {
    return this.byId.size;
  }
}

function readEntry(
  entry: CredentialEntry,
  at: string,
  adminIds: ReadonlySet<string>,
  seen: Set<string>,
): { credential: RequesterCredential } | { issue: ValidationIssue } {
  const id = typeof entry.requester_id === 'string' ? entry.requester_id.toLowerCase() : '';
  if (!UUID.test(id)) return { issue: { path: `${at}.requester_id`, message: 'expected a UUID' } };
  if (seen.has(id)) return { issue: { path: `${at}.requester_id`, message: `${id} is listed twice` } };
  seen.add(id);
  const admin = entry.admin === true || adminIds.has(id);
  const hasKey = entry.public_key !== undefined;
  if (hasKey === (entry.hmac_secret !== undefined)) {
    return { issue: { path: at, message: 'expected exactly one of public_key and hmac_secret' } };
  }
  try {
    return {
      credential: hasKey
        ? { requesterId: id, kind: 'ed25519', publicKey: readEd25519PublicKey(String(entry.public_key)), admin }
        : { requesterId: id, kind: 'hmac', secret: createSecretKey(readHmacSecret(String(entry.hmac_secret))), admin },
    };
  } catch (error) {
    return { issue: { path: `${at}.${hasKey ? 'public_key' : 'hmac_secret'}`, message: (error as Error).message } };
  }
}
