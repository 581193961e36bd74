import { createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CredentialSet,
  httpSigningInput,
  messageSigningInput,
  RequestAuthenticator,
  ResultSigner,
  readEd25519PrivateKey,
  readEd25519PublicKey,
  readHmacSecret,
  signEd25519,
  signHmac,
  verifyResultSignature,
  verifySignature,
} from '../../src/security/index.ts';
import { vectors } from './helpers.ts';

/** spec/vectors/signing.json: every client, TypeScript included, must reproduce it byte for byte. */
const requesterKey = readEd25519PrivateKey(vectors.keys.requester_ed25519_private_pem);
const hmacSecret = readHmacSecret(vectors.keys.requester_hmac_secret_base64);
const schedulerKey = readEd25519PrivateKey(vectors.keys.scheduler_ed25519_private_pem);
const schedulerPublic = readEd25519PublicKey(vectors.keys.scheduler_ed25519_public_pem);
const ed25519Credential = {
  requesterId: vectors.keys.requester_id,
  kind: 'ed25519',
  publicKey: readEd25519PublicKey(vectors.keys.requester_ed25519_public_pem),
  admin: false,
} as const;
const hmacCredential = {
  requesterId: vectors.keys.requester_id,
  kind: 'hmac',
  secret: createSecretKey(hmacSecret),
  admin: false,
} as const;

describe('spec/vectors/signing.json keys', () => {
  it('pairs each private key with its public key, PEM and raw', () => {
    expect(createPublicKey(requesterKey).export({ format: 'pem', type: 'spki' })).toBe(
      vectors.keys.requester_ed25519_public_pem,
    );
    expect(
      readEd25519PublicKey(vectors.keys.requester_ed25519_public_raw).equals(
        readEd25519PublicKey(vectors.keys.requester_ed25519_public_pem),
      ),
    ).toBe(true);
    expect(createPublicKey(schedulerKey).equals(schedulerPublic)).toBe(true);
  });
});

describe('spec/vectors/signing.json messages', () => {
  for (const vector of vectors.messages) {
    it(vector.name, () => {
      const input = messageSigningInput('request', vector.message, 'requester_signature');
      expect(input.toString('utf8')).toBe(vector.signing_input);
      expect(input).toEqual(Buffer.from(vector.signing_input, 'utf8'));
      expect(signEd25519(requesterKey, input)).toBe(vector.ed25519_signature);
      expect(signHmac(hmacSecret, input)).toBe(vector.hmac_signature);
      expect(verifySignature(ed25519Credential, input, vector.ed25519_signature)).toBe(true);
      expect(verifySignature(hmacCredential, input, vector.hmac_signature)).toBe(true);
      // A signature member already present is not signed: the input is the same with it.
      const withSignature = { ...vector.message, requester_signature: vector.ed25519_signature };
      expect(messageSigningInput('request', withSignature, 'requester_signature').toString()).toBe(
        vector.signing_input,
      );
      // The same text under the other context is another input: a request signature is no result's.
      expect(messageSigningInput('result', vector.message, 'requester_signature').toString()).not.toBe(
        vector.signing_input,
      );
    });
  }

  it('authenticates each vector message at its timestamp, with either kind of key', () => {
    for (const [entry, signatureOf] of [
      [{ requester_id: vectors.keys.requester_id, public_key: vectors.keys.requester_ed25519_public_pem }, 'ed25519'],
      [{ requester_id: vectors.keys.requester_id, hmac_secret: vectors.keys.requester_hmac_secret_base64 }, 'hmac'],
    ] as const) {
      const authenticator = new RequestAuthenticator({
        credentials: CredentialSet.fromEntries([entry]),
        clock: { now: () => Date.parse('2026-11-22T10:00:00Z') },
      });
      for (const vector of vectors.messages) {
        const signature = signatureOf === 'ed25519' ? vector.ed25519_signature : vector.hmac_signature;
        expect(authenticator.authenticateMessage({ ...vector.message, requester_signature: signature })).toEqual({
          requesterId: vectors.keys.requester_id,
          admin: false,
        });
      }
    }
  });
});

describe('spec/vectors/signing.json http', () => {
  for (const vector of vectors.http) {
    it(vector.name, () => {
      const input = httpSigningInput({
        method: vector.method,
        target: vector.target,
        requesterId: vector.requester_id,
        timestamp: vector.timestamp,
        nonce: vector.nonce,
        body: vector.body,
      });
      expect(input.toString('utf8')).toBe(vector.signing_input);
      // The body as bytes signs the same as the body as text.
      expect(
        httpSigningInput({
          method: vector.method.toLowerCase(),
          target: vector.target,
          requesterId: vector.requester_id,
          timestamp: vector.timestamp,
          nonce: vector.nonce,
          body: Buffer.from(vector.body, 'utf8'),
        }),
      ).toEqual(input);
      expect(signEd25519(requesterKey, input)).toBe(vector.ed25519_signature);
      expect(signHmac(hmacSecret, input)).toBe(vector.hmac_signature);
    });
  }

  it('ends an empty body with the SHA-256 of nothing', () => {
    const get = vectors.http.find((v) => v.body === '');
    expect(get?.signing_input.endsWith('\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toBe(
      true,
    );
  });
});

describe('spec/vectors/signing.json result', () => {
  const { signed, tampered, signing_input } = vectors.result;

  it('signs the result as the vector does', () => {
    expect(messageSigningInput('result', signed, 'scheduler_signature').toString('utf8')).toBe(signing_input);
    const signer = new ResultSigner(schedulerKey);
    expect(signer.sign({ ...signed, scheduler_signature: null })).toEqual(signed);
    // Whatever scheduler_signature the message held before is replaced, not signed.
    expect(signer.sign({ ...signed, scheduler_signature: 'stale' }).scheduler_signature).toBe(
      signed.scheduler_signature,
    );
  });

  it('verifies `signed` and refuses `tampered`', () => {
    expect(verifyResultSignature(schedulerPublic, signed)).toBe(true);
    expect(verifyResultSignature(schedulerPublic, tampered)).toBe(false);
  });

  it('refuses the result when any one member is changed, added or removed', () => {
    for (const key of Object.keys(signed)) {
      if (key === 'scheduler_signature') continue;
      const value = signed[key];
      const changed =
        typeof value === 'string'
          ? `${value}x`
          : typeof value === 'number'
            ? value + 1
            : typeof value === 'boolean'
              ? !value
              : value === null
                ? 'x'
                : null;
      expect(verifyResultSignature(schedulerPublic, { ...signed, [key]: changed }), key).toBe(false);
      const { [key]: _removed, ...without } = signed;
      expect(verifyResultSignature(schedulerPublic, without), `without ${key}`).toBe(false);
    }
    expect(verifyResultSignature(schedulerPublic, { ...signed, extra: 1 })).toBe(false);
    // Member order is not signed: the same members in another order still verify.
    const reversed = Object.fromEntries(Object.entries(signed).reverse());
    expect(verifyResultSignature(schedulerPublic, reversed)).toBe(true);
  });

  it('refuses a changed, missing or foreign signature', () => {
    const signature = signed.scheduler_signature;
    const bytes = Buffer.from(signature, 'base64');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] = (flipped[i] ?? 0) ^ 1;
      expect(
        verifyResultSignature(schedulerPublic, { ...signed, scheduler_signature: flipped.toString('base64') }),
      ).toBe(false);
    }
    for (const bad of [null, undefined, '', 'not base64!', bytes.subarray(0, 63).toString('base64'), 42]) {
      expect(verifyResultSignature(schedulerPublic, { ...signed, scheduler_signature: bad })).toBe(false);
    }
    // Any other character anywhere, including the last one's unused low bits: one signature, one spelling.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const accepted: string[] = [];
    for (let i = 0; i < signature.length; i++) {
      for (const c of alphabet) {
        if (c === signature[i]) continue;
        const other = `${signature.slice(0, i)}${c}${signature.slice(i + 1)}`;
        if (verifyResultSignature(schedulerPublic, { ...signed, scheduler_signature: other })) accepted.push(other);
      }
    }
    expect(accepted).toEqual([]);
    // Padded base64 only (docs/security.md): no other padding, no whitespace.
    for (const other of [
      `${signature}=`,
      ` ${signature}`,
      `${signature}\n`,
      `${signature.slice(0, -2)}=`,
      signature.replace(/=+$/, ''),
    ]) {
      expect(verifyResultSignature(schedulerPublic, { ...signed, scheduler_signature: other }), other).toBe(false);
    }
    // Signed by the requester's key, not the scheduler's.
    const foreign = new ResultSigner(requesterKey).sign({ ...signed, scheduler_signature: null });
    expect(verifyResultSignature(schedulerPublic, foreign)).toBe(false);
  });

  it('publishes the public key in both forms', () => {
    const published = new ResultSigner(schedulerKey).published();
    expect(published).toEqual({
      algorithm: 'ed25519',
      public_key_pem: vectors.keys.scheduler_ed25519_public_pem,
      public_key: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
    expect(readEd25519PublicKey(published.public_key).equals(schedulerPublic)).toBe(true);
  });

  it('takes only an Ed25519 key to sign results', () => {
    expect(() => new ResultSigner(generateKeyPairSync('x25519').privateKey)).toThrow(TypeError);
  });
});
