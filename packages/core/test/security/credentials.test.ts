import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import {
  CredentialSet,
  MIN_HMAC_SECRET_BYTES,
  rawPublicKeyBase64,
  readEd25519PrivateKey,
  readEd25519PublicKey,
  readHmacSecret,
} from '../../src/security/index.ts';
import { A, ADMIN, B, H, keys, thrown, vectors } from './helpers.ts';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const x25519Pem = generateKeyPairSync('x25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const secret32 = randomBytes(32);

/** The issues fromEntries reports, as `path: message`. */
function issuesOf(...args: Parameters<typeof CredentialSet.fromEntries>): { path: string; message: string }[] {
  const error = thrown(() => CredentialSet.fromEntries(...args));
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error.code).toBe('INVALID_ARGUMENT');
  return error.issues ?? [];
}

describe('CredentialSet.fromEntries', () => {
  it('reads Ed25519 public keys as PEM and as raw base64, and HMAC secrets as base64 and hex', () => {
    const set = CredentialSet.fromEntries([
      { requester_id: A, public_key: vectors.keys.requester_ed25519_public_pem },
      { requester_id: B, public_key: vectors.keys.requester_ed25519_public_raw },
      { requester_id: H, hmac_secret: secret32.toString('base64') },
      { requester_id: ADMIN, hmac_secret: `hex:${secret32.toString('hex')}`, admin: true },
    ]);
    expect(set.size).toBe(4);
    const a = set.get(A);
    const b = set.get(B);
    if (a?.kind !== 'ed25519' || b?.kind !== 'ed25519') throw new Error('expected Ed25519 credentials');
    expect(a.publicKey.equals(b.publicKey)).toBe(true);
    expect(a.admin).toBe(false);
    const h = set.get(H);
    const admin = set.get(ADMIN);
    if (h?.kind !== 'hmac' || admin?.kind !== 'hmac') throw new Error('expected HMAC credentials');
    expect(h.secret.export()).toEqual(secret32);
    expect(admin.secret.export()).toEqual(secret32);
    expect(admin.admin).toBe(true);
  });

  it('takes keys with surrounding whitespace, `base64:` prefixes, and ids in any case', () => {
    const set = CredentialSet.fromEntries([
      { requester_id: A.toUpperCase(), public_key: `\n  ${keys.a.publicPem}\n\n` },
      { requester_id: B, hmac_secret: ` base64:${secret32.toString('base64')} ` },
    ]);
    expect(set.get(A)?.requesterId).toBe(A);
    expect(set.get(A.toUpperCase())?.requesterId).toBe(A);
    const b = set.get(B);
    expect(b?.kind === 'hmac' && b.secret.export()).toEqual(secret32);
  });

  it('gives admin rights by entry and by the admins list, whatever the case of the id', () => {
    const set = CredentialSet.fromEntries(
      [
        { requester_id: A, public_key: keys.a.publicPem },
        { requester_id: B, public_key: keys.b.publicPem },
        { requester_id: ADMIN, public_key: keys.admin.publicPem, admin: true },
      ],
      [B.toUpperCase()],
    );
    expect([A, B, ADMIN].map((id) => set.get(id)?.admin)).toEqual([false, true, true]);
  });

  it('refuses keys that are not Ed25519, naming the entry and the reason', () => {
    const issues = issuesOf([
      { requester_id: A, public_key: rsaPem },
      { requester_id: B, public_key: x25519Pem },
      { requester_id: H, public_key: ecPem },
    ]);
    expect(issues).toEqual([
      { path: '[0].public_key', message: 'expected an Ed25519 key, got rsa' },
      { path: '[1].public_key', message: 'expected an Ed25519 key, got x25519' },
      { path: '[2].public_key', message: 'expected an Ed25519 key, got ec' },
    ]);
  });

  it('refuses raw keys of the wrong length and PEM that does not parse', () => {
    const issues = issuesOf([
      { requester_id: A, public_key: randomBytes(31).toString('base64') },
      { requester_id: B, public_key: randomBytes(33).toString('base64') },
      { requester_id: H, public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' },
      { requester_id: ADMIN, public_key: '' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['[0].public_key', '[1].public_key', '[2].public_key', '[3].public_key']);
    expect(issues[0]?.message).toBe('expected 32 raw bytes in base64, got 31');
    expect(issues[1]?.message).toBe('expected 32 raw bytes in base64, got 33');
    expect(issues[3]?.message).toBe('expected 32 raw bytes in base64, got 0');
  });

  it('refuses HMAC secrets shorter than 32 bytes, in either encoding', () => {
    const short = randomBytes(MIN_HMAC_SECRET_BYTES - 1);
    const issues = issuesOf([
      { requester_id: A, hmac_secret: short.toString('base64') },
      { requester_id: B, hmac_secret: `hex:${short.toString('hex')}` },
      { requester_id: H, hmac_secret: 'hex:not hex at all, though long enough to be a secret' },
      { requester_id: ADMIN, hmac_secret: '' },
    ]);
    expect(issues).toEqual([
      { path: '[0].hmac_secret', message: 'expected at least 32 bytes of secret, got 31' },
      { path: '[1].hmac_secret', message: 'expected at least 32 bytes of secret, got 31' },
      { path: '[2].hmac_secret', message: 'expected at least 32 bytes of secret, got 0' },
      { path: '[3].hmac_secret', message: 'expected at least 32 bytes of secret, got 0' },
    ]);
  });

  it('refuses bad and repeated ids, and entries with neither or both kinds of key', () => {
    const issues = issuesOf([
      { requester_id: 'billing', public_key: keys.a.publicPem },
      { requester_id: A, public_key: keys.a.publicPem },
      { requester_id: A.toUpperCase(), public_key: keys.b.publicPem },
      { requester_id: B },
      { requester_id: H, public_key: keys.a.publicPem, hmac_secret: secret32.toString('base64') },
      { requester_id: 42 as unknown as string, public_key: keys.a.publicPem },
      { requester_id: `${A}0`, public_key: keys.a.publicPem },
    ]);
    expect(issues).toEqual([
      { path: '[0].requester_id', message: 'expected a UUID' },
      { path: '[2].requester_id', message: `${A} is listed twice` },
      { path: '[3]', message: 'expected exactly one of public_key and hmac_secret' },
      { path: '[4]', message: 'expected exactly one of public_key and hmac_secret' },
      { path: '[5].requester_id', message: 'expected a UUID' },
      { path: '[6].requester_id', message: 'expected a UUID' },
    ]);
  });

  it('refuses admins without a key', () => {
    const issues = issuesOf([{ requester_id: A, public_key: keys.a.publicPem }], [A, ADMIN]);
    expect(issues).toEqual([{ path: 'admins', message: `${ADMIN} has no key` }]);
  });

  it('reports every bad entry at once, under the subject given', () => {
    const error = thrown(() =>
      CredentialSet.fromEntries(
        [
          { requester_id: 'x', public_key: keys.a.publicPem },
          { requester_id: A, public_key: rsaPem },
        ],
        [B],
        'SCHEDULER_AUTH_KEYS',
      ),
    );
    expect(error.issues?.map((i) => i.path)).toEqual(['[0].requester_id', '[1].public_key', 'admins']);
    expect(error.message).toContain('SCHEDULER_AUTH_KEYS');
  });

  it('is empty for no entries, and unknown ids are undefined', () => {
    const set = CredentialSet.fromEntries([]);
    expect(set.size).toBe(0);
    expect(set.get(A)).toBeUndefined();
  });
});

describe('key readers', () => {
  it('round-trips a public key through its raw base64 form', () => {
    const key = readEd25519PublicKey(keys.a.publicPem);
    const raw = rawPublicKeyBase64(key);
    expect(raw).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(readEd25519PublicKey(raw).equals(key)).toBe(true);
    expect(rawPublicKeyBase64(readEd25519PublicKey(vectors.keys.requester_ed25519_public_pem))).toBe(
      vectors.keys.requester_ed25519_public_raw,
    );
  });

  it('reads only Ed25519 private keys', () => {
    expect(readEd25519PrivateKey(keys.a.privatePem).asymmetricKeyType).toBe('ed25519');
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => readEd25519PrivateKey(x25519)).toThrow('expected an Ed25519 key, got x25519');
    expect(() => readEd25519PrivateKey(keys.a.publicPem)).toThrow();
  });

  it('reads HMAC secrets of exactly 32 bytes and more', () => {
    expect(readHmacSecret(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(readHmacSecret(`hex:${randomBytes(64).toString('hex')}`)).toHaveLength(64);
  });
});
