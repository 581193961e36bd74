import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { systemClock } from '@br-sdk/schedule';
import {
  type CredentialEntry,
  CredentialSet,
  RateLimiter,
  RequestAuthenticator,
  ResultSigner,
  readEd25519PrivateKey,
} from '@br-sdk/schedule/security';
import type { AuthConfig, SidecarConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

/** What the channels share: one authenticator (so a nonce spent on one channel is spent on all), one limiter, one signer. */
export interface SidecarSecurity {
  readonly authenticator: RequestAuthenticator | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly resultSigner: ResultSigner;
}

/** Reads the keys and the signing key named by the configuration. @throws ConfigError naming the variable */
export function loadSecurity(config: SidecarConfig): SidecarSecurity {
  const clock = systemClock;
  const { requester, source } = config.rateLimits;
  return {
    authenticator:
      config.auth.mode === 'off'
        ? undefined
        : new RequestAuthenticator({
            credentials: loadCredentials(config.auth),
            windowMs: config.auth.windowMs,
            clock,
          }),
    rateLimiter:
      requester === undefined && source === undefined
        ? undefined
        : new RateLimiter({ clock, ...(requester ? { requester } : {}), ...(source ? { source } : {}) }),
    resultSigner: new ResultSigner(loadSigningKey(config.signingKeyPath)),
  };
}

const KEYS = 'SCHEDULER_AUTH_KEYS';

function refuse(variable: string, message: string): never {
  throw new ConfigError([{ variable, message }]);
}

/**
 * The trusted requesters: a directory of `<requester_id>.pem` (Ed25519 public key) and
 * `<requester_id>.hmac` (shared secret) files, or a JSON file listing `{requester_id, public_key |
 * hmac_secret, admin?}`. Other files in the directory are ignored, so a README can sit there.
 */
export function loadCredentials(auth: Extract<AuthConfig, { mode: 'signed' }>): CredentialSet {
  let entries: CredentialEntry[];
  try {
    entries = statSync(auth.keys).isDirectory() ? entriesOfDirectory(auth.keys) : entriesOfFile(auth.keys);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    return refuse(KEYS, `cannot read ${auth.keys}: ${(error as Error).message}`);
  }
  if (entries.length === 0) refuse(KEYS, `${auth.keys} holds no keys (<requester_id>.pem or .hmac files)`);
  try {
    return CredentialSet.fromEntries(entries, auth.admins, auth.keys);
  } catch (error) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues ?? [];
    return refuse(
      issues.some((i) => i.path === 'admins') ? 'SCHEDULER_AUTH_ADMINS' : KEYS,
      issues.map((i) => `${i.path}: ${i.message}`).join('; ') || (error as Error).message,
    );
  }
}

function entriesOfDirectory(directory: string): CredentialEntry[] {
  const entries: CredentialEntry[] = [];
  for (const name of readdirSync(directory).sort()) {
    const extension = extname(name);
    if (extension !== '.pem' && extension !== '.hmac') continue;
    const requesterId = name.slice(0, -extension.length);
    const text = readFileSync(join(directory, name), 'utf8');
    entries.push(
      extension === '.pem'
        ? { requester_id: requesterId, public_key: text }
        : { requester_id: requesterId, hmac_secret: text },
    );
  }
  return entries;
}

function entriesOfFile(file: string): CredentialEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return refuse(KEYS, `${file} is not a JSON key list: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed))
    return refuse(KEYS, `${file}: expected a JSON array of {requester_id, public_key | hmac_secret}`);
  return parsed as CredentialEntry[];
}

/**
 * The scheduler's result-signing key, created on first start (next to the store, so it survives
 * restarts with the data). Only the owner may read it.
 */
export function loadSigningKey(path: string): KeyObject {
  const variable = 'SCHEDULER_SIGNING_KEY';
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      mkdirSync(dirname(path), { recursive: true });
      // 'wx': never overwrite a key another process wrote in the meantime.
      writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        refuse(variable, `cannot create ${path}: ${(error as Error).message}`);
    }
  }
  try {
    return readEd25519PrivateKey(readFileSync(path, 'utf8'));
  } catch (error) {
    return refuse(variable, `${path} is not an Ed25519 private key (PKCS #8 PEM): ${(error as Error).message}`);
  }
}
