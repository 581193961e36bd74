import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorBodySchema, replySchema, WIRE_ERROR_CODES } from '@br-sdk/schedule/contract';
import { httpSigningInput, messageSigningInput, signEd25519, signHmac } from '@br-sdk/schedule/security';
import { HTTP_PROBLEM_CODES } from '@br-sdk/schedule-http';
import fc from 'fast-check';
import { type SidecarProcess, startSidecarProcess } from '../e2e/sidecar-process.ts';

/**
 * What the fuzz tests share: test requesters with their keys, the signing of JSON messages and REST
 * requests as docs/security.md describes (the same as spec/vectors/signing.json), a sidecar process
 * with authentication on, and the checks every answer must pass.
 *
 * Environment: FUZZ_SEED=<n> replays a run (a failure prints its seed); FUZZ_DEBUG=<file> writes
 * each AMQP/REST input's outcome to the file, to see what the generators reach.
 */

/** A requester the sidecar trusts: Ed25519 (its public key in `<id>.pem`) or HMAC (`<id>.hmac`). */
export class TestRequester {
  readonly id: string;
  private readonly key: { readonly kind: 'ed25519'; readonly privateKey: KeyObject } | { kind: 'hmac'; secret: Buffer };

  private constructor(id: string, key: TestRequester['key']) {
    this.id = id;
    this.key = key;
  }

  static ed25519(): { requester: TestRequester; file: string; content: string } {
    const id = randomUUID();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const content = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    return { requester: new TestRequester(id, { kind: 'ed25519', privateKey }), file: `${id}.pem`, content };
  }

  static hmac(): { requester: TestRequester; file: string; content: string } {
    const id = randomUUID();
    const secret = randomBytes(32);
    return {
      requester: new TestRequester(id, { kind: 'hmac', secret }),
      file: `${id}.hmac`,
      content: secret.toString('base64'),
    };
  }

  /** A base64 signature over `input`. */
  sign(input: Buffer): string {
    return this.key.kind === 'ed25519' ? signEd25519(this.key.privateKey, input) : signHmac(this.key.secret, input);
  }

  /** The `requester_signature` of a JSON message (any `requester_signature` member in it is left out). */
  signMessage(message: Readonly<Record<string, unknown>>): string {
    return this.sign(messageSigningInput('request', message, 'requester_signature'));
  }

  /** The X-Br-* headers of a REST request, signed over the method, the target as sent and the body's bytes. */
  signHttp(method: string, target: string, body: Buffer | string, nonce = newNonce(), timestamp = nowStamp()) {
    const signature = this.sign(httpSigningInput({ method, target, requesterId: this.id, timestamp, nonce, body }));
    return {
      'x-br-requester-id': this.id,
      'x-br-timestamp': timestamp,
      'x-br-nonce': nonce,
      'x-br-signature': signature,
    };
  }
}

/** 16 random bytes, base64url: 22 characters, as the protocol advises. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function nowStamp(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

/** The members that sign a JSON message: requester, fresh timestamp, fresh nonce. */
export function authMembers(requester: TestRequester): Record<string, string> {
  return { requester_id: requester.id, timestamp: nowStamp(), nonce: newNonce() };
}

/** `message` with its auth members and signature (the signature over everything else). */
export function signed(requester: TestRequester, message: Record<string, unknown>): Record<string, unknown> {
  const withAuth = { ...message, ...authMembers(requester) };
  return { ...withAuth, requester_signature: requester.signMessage(withAuth) };
}

/** A temporary directory with the keys of an Ed25519 requester (`main`) and an HMAC one (`other`). */
export async function makeKeys(): Promise<{ dir: string; main: TestRequester; other: TestRequester }> {
  const dir = await mkdtemp(join(tmpdir(), 'br-fuzz-keys-'));
  const main = TestRequester.ed25519();
  const other = TestRequester.hmac();
  await writeFile(join(dir, main.file), main.content);
  await writeFile(join(dir, other.file), other.content);
  // Not a key: the sidecar ignores other files in the directory.
  await writeFile(join(dir, 'README.txt'), 'fuzz test keys');
  return { dir, main: main.requester, other: other.requester };
}

/** A fuzz run's sidecar: authentication on, rate limits off (so they do not mask results), its own data dir. */
export interface FuzzSidecar {
  readonly process: SidecarProcess;
  readonly url: string;
  readonly dataDir: string;
  readonly env: Record<string, string>;
}

export async function startFuzzSidecar(options: {
  readonly keysDir: string;
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
}): Promise<FuzzSidecar> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'br-fuzz-data-')));
  const env = {
    SCHEDULER_AUTH: 'signed',
    SCHEDULER_AUTH_KEYS: options.keysDir,
    SCHEDULER_RATE_REQUESTER_PER_SECOND: '0',
    SCHEDULER_RATE_SOURCE_PER_SECOND: '0',
    SCHEDULER_DATA_DIR: dataDir,
    // Tasks call loopback only: a fuzzed uri must never send anything off this machine.
    SCHEDULER_TARGET_ALLOW: '127.0.0.1',
    ...options.env,
  };
  const process = await startSidecarProcess(env, 30_000);
  return { process, url: process.url, dataDir, env };
}

/** Stops a sidecar this test started (by its child process), at once. */
export async function killSidecar(sidecar: FuzzSidecar | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!sidecar || sidecar.process.child.exitCode !== null || sidecar.process.child.signalCode !== null) return;
  sidecar.process.kill(signal);
  const timer = setTimeout(() => sidecar.process.kill('SIGKILL'), 15_000);
  await sidecar.process.exited;
  clearTimeout(timer);
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Whether the process is still running. */
export function alive(sidecar: FuzzSidecar): boolean {
  return sidecar.process.child.exitCode === null && sidecar.process.child.signalCode === null;
}

/** Log lines at error level or above (pino: 50 error, 60 fatal): each is a failure the server did not expect. */
/** Ends a fuzz batch: throws with the first failures, counting a sidecar that exited as one. */
export function assertBatch(sidecar: FuzzSidecar, failures: string[]): void {
  if (!alive(sidecar)) failures.push(`the sidecar exited: ${String(sidecar.process.child.exitCode)}`);
  if (failures.length > 0) throw new Error(`${failures.length} failures:\n${failures.slice(0, 10).join('\n')}`);
}

export function errorLogs(sidecar: FuzzSidecar): Record<string, unknown>[] {
  return sidecar.process.logs.filter((entry) => typeof entry['level'] === 'number' && entry['level'] >= 50);
}

const WIRE_CODES: ReadonlySet<string> = new Set(WIRE_ERROR_CODES);
const HTTP_CODES: ReadonlySet<string> = new Set([...WIRE_ERROR_CODES, ...HTTP_PROBLEM_CODES]);

/**
 * Why a reply (AMQP body, WebSocket reply frame without `type`) is not a valid answer, or undefined
 * when it is: `ok: true` as the contract's success reply, or `ok: false` with a wire code, a message
 * and an issues array. INTERNAL counts as invalid: it means the server failed, not the request.
 */
export function replyProblem(reply: unknown): string | undefined {
  if (typeof reply !== 'object' || reply === null) return 'not an object';
  const body = reply as Record<string, unknown>;
  if (body['ok'] === true) {
    const parsed = replySchema.safeParse(body);
    return parsed.success ? undefined : `ok:true but not a success reply: ${parsed.error.message.slice(0, 500)}`;
  }
  if (body['ok'] !== false) return 'neither ok:true nor ok:false';
  const parsed = errorBodySchema.safeParse(body['error']);
  if (!parsed.success) return `ok:false with a malformed error: ${parsed.error.message.slice(0, 500)}`;
  if (!WIRE_CODES.has(parsed.data.code)) return `unknown code ${parsed.data.code}`;
  if (parsed.data.code === 'INTERNAL') return 'INTERNAL error';
  return undefined;
}

/** Why an HTTP problem document is not valid, or undefined. */
export function problemDocumentProblem(body: unknown, status: number): string | undefined {
  if (typeof body !== 'object' || body === null) return 'problem body is not an object';
  const doc = body as Record<string, unknown>;
  const code = doc['code'];
  if (typeof code !== 'string' || !HTTP_CODES.has(code)) return `problem code ${String(code)} is not a known code`;
  if (code === 'INTERNAL') return 'INTERNAL problem';
  if (doc['status'] !== status) return `problem status ${String(doc['status'])} differs from the HTTP status ${status}`;
  if (!Array.isArray(doc['issues'])) return 'problem without an issues array';
  if (typeof doc['type'] !== 'string' || typeof doc['title'] !== 'string' || typeof doc['detail'] !== 'string')
    return 'problem without type, title or detail';
  return undefined;
}

/** A short, printable view of an input for a failure message. */
export function preview(value: Buffer | string, max = 600): string {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return shown;
}

/** A signed REST GET of a task by `requester`: the status and the body. */
export async function getTask(
  baseUrl: string,
  requester: TestRequester,
  taskId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = `/v1/tasks/${encodeURIComponent(taskId)}`;
  const response = await fetch(`${baseUrl}${target}`, { headers: requester.signHttp('GET', target, '') });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function pooled<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** Checks that every acknowledged task is readable by its requester; resolves to the ids that are not. */
export async function missingTasks(baseUrl: string, requester: TestRequester, ids: Iterable<string>) {
  const missing: { id: string; status: number; body: unknown }[] = [];
  await pooled([...ids], 16, async (id) => {
    const { status, body } = await getTask(baseUrl, requester, id);
    if (status !== 200 || body['id'] !== id) missing.push({ id, status, body });
  });
  return missing;
}

/** The seed of a fuzz run: FUZZ_SEED when set (to replay a failure), else the channel's fixed one. */
export function fuzzSeed(fixed: number): number {
  const given = process.env['FUZZ_SEED'];
  return given === undefined || given === '' ? fixed : Number(given);
}

/**
 * Runs `check` on batches of generated values until `messages` values were checked, through
 * fc.assert with a fixed seed, without shrinking (the system under test is a live process; a
 * failure reports the inputs at fault itself), failing if the time limit comes first.
 */
export async function runFuzz<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  options: { readonly seed: number; readonly batch: number; readonly messages: number; readonly timeLimitMs: number },
  check: (batch: T[], run: number) => Promise<void>,
): Promise<void> {
  const numRuns = Math.ceil(options.messages / options.batch);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: options.batch, maxLength: options.batch }), async (batch) => {
      run += 1;
      await check(batch, run);
    }),
    {
      seed: options.seed,
      numRuns,
      endOnFailure: true,
      plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs, { failOnInterrupt: true })],
      reporter: (details) => {
        if (!details.failed) return;
        const cause =
          details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(
          `${name} fuzz failed at batch ${run} of ${numRuns} (seed ${details.seed}, path "${details.counterexamplePath}"; ` +
            `replay with FUZZ_SEED=${details.seed})${details.interrupted ? ': interrupted by the time limit' : ''}\n${cause}`,
        );
      },
    },
  );
}

/** Answers by key (a correlation id, a request id), with a wait for a set of them. */
export class Inbox<T> {
  readonly byKey = new Map<string, T[]>();
  private waiter: { keys: readonly string[]; resolve: () => void } | undefined;

  add(key: string, value: T): void {
    const list = this.byKey.get(key);
    if (list) list.push(value);
    else this.byKey.set(key, [value]);
    if (this.waiter?.keys.every((k) => this.byKey.has(k))) this.waiter.resolve();
  }

  /** Resolves once every key has an answer; rejects naming the missing ones after `timeoutMs`. */
  async waitFor(keys: readonly string[], timeoutMs: number): Promise<void> {
    if (keys.every((k) => this.byKey.has(k))) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiter = { keys, resolve };
        timer = setTimeout(() => {
          const missing = keys.filter((k) => !this.byKey.has(k));
          reject(
            new Error(
              `no answer after ${timeoutMs} ms to ${missing.length} of ${keys.length}: ${missing.slice(0, 5).join(', ')}`,
            ),
          );
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.waiter = undefined;
    }
  }
}

/** Checks `ready` every `intervalMs` until it is true; fails after `timeoutMs`. */
export async function until(what: string, ready: () => boolean, timeoutMs: number, intervalMs = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
