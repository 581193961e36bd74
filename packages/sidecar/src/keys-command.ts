import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ResultSigner, rawPublicKeyBase64 } from '@br-sdk/schedule/security';
import { loadConfig } from './config.ts';
import { loadSigningKey } from './security.ts';
import { UsageError } from './usage-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `br-schedule keygen --requester-id <uuid> [--out <dir>] [--hmac]`: a requester's credentials.
 * Ed25519: `<id>.key` (private, for the requester only, mode 0600) and `<id>.pem` (public: copy it
 * into the scheduler's SCHEDULER_AUTH_KEYS directory). HMAC: `<id>.hmac`, one secret that both
 * sides keep. Never overwrites a file.
 * @returns the paths written
 */
export function runKeygen(options: { requesterId: string; out?: string; hmac?: boolean }): string[] {
  if (!UUID.test(options.requesterId)) throw new UsageError('--requester-id must be a UUID');
  const id = options.requesterId.toLowerCase();
  const dir = resolve(options.out ?? '.');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode, flag: 'wx' });
    return path;
  };
  if (options.hmac) return [write(`${id}.hmac`, `${randomBytes(32).toString('base64')}\n`, 0o600)];
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return [
    write(`${id}.key`, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600),
    write(`${id}.pem`, publicKey.export({ format: 'pem', type: 'spki' }).toString(), 0o644),
  ];
}

/**
 * `br-schedule public-key`: the public half of the scheduler's result-signing key (from the same
 * settings `serve` reads; created when missing), as PEM, and `--raw` as the 32 bytes in base64.
 */
export function runPublicKey(options: { raw?: boolean }): string {
  // Only the key's location matters here: authentication settings are `serve`'s business.
  const config = loadConfig({ ...process.env, SCHEDULER_AUTH: 'off', SCHEDULER_HTTP_HOST: '127.0.0.1' });
  const signer = new ResultSigner(loadSigningKey(config.signingKeyPath));
  return options.raw ? `${rawPublicKeyBase64(signer.publicKey)}\n` : signer.published().public_key_pem;
}
