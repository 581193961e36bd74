import { createHmac, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import type { RequesterCredential } from './credentials.ts';

/**
 * Signatures are base64 (RFC 4648 §4, padded): Ed25519's 64 bytes, or HMAC-SHA256's 32.
 */

export function signEd25519(privateKey: KeyObject, input: Buffer): string {
  return sign(null, input, privateKey).toString('base64');
}

export function signHmac(secret: Buffer | KeyObject, input: Buffer): string {
  return createHmac('sha256', secret).update(input).digest('base64');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `signature` is the credential's over `input`. Constant-time for HMAC; never throws. */
export function verifySignature(credential: RequesterCredential, input: Buffer, signature: string): boolean {
  if (credential.kind === 'ed25519') return verifyEd25519(credential.publicKey, input, signature);
  const given = decodeBase64(signature);
  if (given === undefined) return false;
  const expected = createHmac('sha256', credential.secret).update(input).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether `signature` is `publicKey`'s Ed25519 signature over `input`; never throws. */
export function verifyEd25519(publicKey: KeyObject, input: Buffer, signature: string): boolean {
  const given = decodeBase64(signature);
  return given !== undefined && given.length === 64 && verify(null, input, publicKey, given);
}

/**
 * The bytes of canonical, padded base64, else undefined: one spelling per signature, as
 * docs/security.md says. Node's decoder is lenient (it ignores the unused low bits of the last
 * character, and missing padding), so the bytes must encode back to the very text.
 */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
