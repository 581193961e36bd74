import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SidecarProcess,
  startSidecarProcess,
  startTarget,
} from '../../../packages/sidecar/test/e2e/sidecar-process.ts';

const exampleDir = join(import.meta.dirname, '..');
const exe = join(exampleDir, 'bin', 'ScheduleExample.exe');

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Children still running, so afterAll can stop them by PID if a test gave up on one. */
const running = new Set<ChildProcess>();

/** Runs a command to its end (killed with SIGKILL after `timeoutMs`), collecting its output. */
function run(command: string, args: string[], options: { timeoutMs: number; env?: Record<string, string> }) {
  return new Promise<Finished>((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The program's output, for a failed assertion's message. */
function transcript(result: Finished): string {
  return `exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A GET signed the way docs/security.md says (independently of the example's Signing.cs), for the
 * test's own look at a signed sidecar.
 */
async function signedGet(baseUrl: string, target: string, requesterId: string, secret: string) {
  const timestamp = new Date().toISOString();
  const nonce = randomBytes(16).toString('base64url');
  const digest = createHash('sha256').update('').digest('hex');
  const input = ['br-schedule/http/v1', 'GET', target, requesterId, timestamp, nonce, digest].join('\n');
  const signature = createHmac('sha256', Buffer.from(secret, 'base64')).update(input).digest('base64');
  return fetch(`${baseUrl}${target}`, {
    headers: {
      'x-br-requester-id': requesterId,
      'x-br-timestamp': timestamp,
      'x-br-nonce': nonce,
      'x-br-signature': signature,
    },
  });
}

/** What every `--once` run must show: the task completed, the target called twice over REST and once over WS. */
async function expectOnceRun(
  result: Finished,
  target: Awaited<ReturnType<typeof startTarget>>,
  requesterId: string,
  getTask: (id: string) => Promise<Response>,
) {
  expect(result.code, transcript(result)).toBe(0);

  // The task id it printed is a task of the sidecar, completed, and the one that called the target.
  const id = /created task ([0-9a-f-]{36}) \(active\)/.exec(result.stdout)?.[1];
  expect(id, transcript(result)).toBeDefined();
  const task = (await (await getTask(id ?? '')).json()) as Record<string, unknown>;
  expect(task).toMatchObject({
    requester_id: requesterId,
    status: 'completed',
    target: { uri: `${target.url}/csharp`, method: 'POST' },
    last_run: { status: 'success', http_status: 200 },
  });
  // Called twice: at its `at`, and once more by the trigger.
  const restCalls = target.calls.filter((call) => call.headers['x-br-task-id'] === id);
  expect(restCalls).toHaveLength(2);
  for (const call of restCalls) {
    expect(call.method).toBe('POST');
    expect(JSON.parse(call.body)).toEqual({ team: 'ops', format: 'pdf', channel: 'rest' });
  }
  // The second one-shot, created over the WebSocket, called it too.
  const wsId = /^ws: created task ([0-9a-f-]{36})$/m.exec(result.stdout)?.[1];
  expect(wsId, transcript(result)).toBeDefined();
  const wsCalls = target.calls.filter((call) => call.headers['x-br-task-id'] === wsId);
  expect(wsCalls.map((call) => JSON.parse(call.body) as unknown)).toEqual([
    { team: 'ops', format: 'pdf', channel: 'ws' },
  ]);

  expect(result.stdout).toContain(`the same request with the same Idempotency-Key answers task ${id}`);
  expect(result.stdout).toMatch(/^result: run \S+ success, HTTP 200, 1 attempt\(s\), content \{"done":true\}$/m);
  expect(result.stdout).toMatch(/^triggered run \S+: success \(manual\)$/m);
  expect(result.stdout).toMatch(/^runs \(newest first\): \S+ manual success, \S+ schedule success$/m);
  expect(result.stdout).toContain(`cancel task ${id}: 409 TASK_NOT_ACTIVE`);
  expect(result.stdout).toMatch(/^bad request refused: 400 SCHEDULE_INVALID /m);
  expect(result.stdout).toContain('  schedule[0].minute: minute 61 out of 0-59');
  expect(result.stdout).toMatch(/^ws: subscribed to /m);
  expect(result.stdout).toMatch(/^ws: result for task [0-9a-f-]{36}: success, HTTP 200/m);
}

describe('example: C# over plain HTTP (mono)', () => {
  let dataDir: string;
  let sidecar: SidecarProcess | undefined;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'br-csharp-'));
    const [build, started, recording] = await Promise.all([
      run('bash', [join(exampleDir, 'build.sh')], { timeoutMs: 60_000 }).catch(
        (error: unknown) => ({ code: null, signal: null, stdout: '', stderr: String(error) }) satisfies Finished,
      ),
      startSidecarProcess({ SCHEDULER_DATA_DIR: dataDir }),
      startTarget(),
    ]);
    sidecar = started;
    target = recording;
    if (build.code !== 0) {
      throw new Error(
        `examples/csharp/build.sh failed: the set-up (scripts/setup.sh) installs mono-mcs and libmono-system-net-http4.0-cil\n${transcript(build)}`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of running) {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
    if (sidecar) {
      sidecar.kill('SIGTERM');
      await sidecar.exited;
    }
    await target?.close();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('--once: a one-shot, its result polled, a trigger, a result over the WebSocket, a problem', {
    timeout: 90_000,
  }, async () => {
    const requesterId = randomUUID();
    const result = await run(
      'mono',
      [exe, sidecar?.url ?? '', '--once', `${target.url}/csharp`, '--requester', requesterId],
      { timeoutMs: 75_000 },
    );
    await expectOnceRun(result, target, requesterId, (id) => fetch(`${sidecar?.url}/v1/tasks/${id}`));
  });

  it('without --once: the four calendars in Tehran, paused, resumed, listed and cancelled', {
    timeout: 60_000,
  }, async () => {
    const result = await run('mono', [exe], { timeoutMs: 45_000, env: { BR_SCHEDULE_URL: sidecar?.url ?? '' } });
    expect(result.code, transcript(result)).toBe(0);

    const id = /created task ([0-9a-f-]{36}) \(active\)/.exec(result.stdout)?.[1];
    const printed = /^next fires \(UTC\): (.+)$/m.exec(result.stdout)?.[1]?.split(', ');
    const preview = (await (
      await fetch(`${sidecar?.url}/v1/schedules/preview`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          count: 5,
          schedule: {
            timezone: 'Asia/Tehran',
            rules: [
              { every: 'P10DT3H', from: '2026-11-01T00:00:00' },
              { cron: '0 17 * * THU' },
              { cron: '0 4 * * SAT' },
              { cron: '0 15 3 * *' },
            ],
          },
        }),
      })
    ).json()) as { fires: string[] };
    expect(printed).toEqual(preview.fires);

    const task = (await (await fetch(`${sidecar?.url}/v1/tasks/${id}`)).json()) as Record<string, unknown>;
    expect(task).toMatchObject({ status: 'cancelled', schedule: { timezone: 'Asia/Tehran' } });
    expect(result.stdout).toContain('paused: paused, next fires 0');
    expect(result.stdout).toMatch(/^resumed: active, next fire \S+Z$/m);
    expect(result.stdout).toContain(`cancelled task ${id}: cancelled`);
    expect(result.stdout).toMatch(/^bad request refused: 400 SCHEDULE_INVALID /m);
  });

  it('exits 2 on bad arguments and 3 when the scheduler cannot be reached', { timeout: 60_000 }, async () => {
    const usage = await run('mono', [exe, sidecar?.url ?? '', '--requester', 'not-a-uuid'], { timeoutMs: 30_000 });
    expect(usage.code, transcript(usage)).toBe(2);
    expect(usage.stderr).toContain('--requester must be a UUID');

    const port = await closedPort();
    const unreachable = await run('mono', [exe, `http://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    expect(unreachable.code, transcript(unreachable)).toBe(3);
    expect(unreachable.stderr).toContain(`cannot reach the scheduler at http://127.0.0.1:${port}/`);
  });

  describe('against a sidecar with SCHEDULER_AUTH=signed', () => {
    let dir: string;
    let signed: SidecarProcess | undefined;
    const requesterId = randomUUID();
    const secret = randomBytes(32).toString('base64');
    let secretFile: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'br-csharp-signed-'));
      const keys = join(dir, 'keys');
      await mkdir(keys);
      // The scheduler's copy, named for the requester, and the client's copy of the same secret.
      await writeFile(join(keys, `${requesterId}.hmac`), secret);
      secretFile = join(dir, 'client.hmac');
      await writeFile(secretFile, `${secret}\n`);
      signed = await startSidecarProcess({
        SCHEDULER_AUTH: 'signed',
        SCHEDULER_AUTH_KEYS: keys,
        SCHEDULER_DATA_DIR: join(dir, 'data'),
      });
    }, 60_000);

    afterAll(async () => {
      if (signed) {
        signed.kill('SIGTERM');
        await signed.exited;
      }
      await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it('Signing.cs reproduces the http and messages cases of spec/vectors/signing.json', {
      timeout: 30_000,
    }, async () => {
      const vectors = join(exampleDir, '..', '..', 'spec', 'vectors', 'signing.json');
      const result = await run('mono', [exe, '--self-test-vectors', vectors], { timeoutMs: 20_000 });
      expect(result.code, transcript(result)).toBe(0);
      expect(result.stdout.match(/^ok {3}http: /gm)).toHaveLength(2);
      expect(result.stdout.match(/^ok {3}message: /gm)).toHaveLength(3);
      expect(result.stdout).not.toContain('FAIL');
    });

    it('--once --hmac-secret: every step signed, the same as unsigned', { timeout: 90_000 }, async () => {
      const result = await run(
        'mono',
        [
          exe,
          signed?.url ?? '',
          '--once',
          `${target.url}/csharp`,
          '--requester',
          requesterId,
          '--hmac-secret',
          secretFile,
        ],
        { timeoutMs: 75_000 },
      );
      await expectOnceRun(result, target, requesterId, (id) =>
        signedGet(signed?.url ?? '', `/v1/tasks/${id}`, requesterId, secret),
      );
    });

    it('the secret from BR_SCHEDULE_HMAC_SECRET_FILE; without one, 401 UNAUTHENTICATED', {
      timeout: 90_000,
    }, async () => {
      const fromEnv = await run('mono', [exe, signed?.url ?? '', '--requester', requesterId], {
        timeoutMs: 45_000,
        env: { BR_SCHEDULE_HMAC_SECRET_FILE: secretFile },
      });
      expect(fromEnv.code, transcript(fromEnv)).toBe(0);
      expect(fromEnv.stdout).toMatch(/^cancelled task [0-9a-f-]{36}: cancelled$/m);

      const unsigned = await run('mono', [exe, signed?.url ?? '', '--requester', requesterId], { timeoutMs: 30_000 });
      expect(unsigned.code, transcript(unsigned)).toBe(1);
      expect(unsigned.stderr).toContain('FAILED: the scheduler answered 401 UNAUTHENTICATED');

      const noRequester = await run('mono', [exe, signed?.url ?? '', '--hmac-secret', secretFile], {
        timeoutMs: 30_000,
      });
      expect(noRequester.code, transcript(noRequester)).toBe(2);
      expect(noRequester.stderr).toContain('--hmac-secret needs --requester');
    });
  });
});
