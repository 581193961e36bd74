import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SidecarProcess, startSidecarProcess, startTarget, waitFor } from './sidecar-process.ts';

/** The sidecar killed outright and started again on the same data dir: its tasks are there and fire. */
describe('br-schedule serve across SIGKILL', () => {
  let dataDir: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  const started: SidecarProcess[] = [];
  const requesterId = randomUUID();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'br-restart-'));
    target = await startTarget();
  });
  afterAll(async () => {
    for (const sidecar of started) {
      sidecar.kill('SIGKILL');
      await sidecar.exited;
    }
    await target.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function create(sidecar: SidecarProcess, body: Record<string, unknown>): Promise<{ id: string }> {
    const response = await fetch(`${sidecar.url}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requester_id: requesterId, method: 'POST', ...body }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  }

  it('restores every task and fires it', { timeout: 60_000 }, async () => {
    const first = await startSidecarProcess({ SCHEDULER_DATA_DIR: dataDir });
    started.push(first);
    const inFiveSeconds = new Date(Date.now() + 5_000).toISOString();
    const oneShot = await create(first, { uri: `${target.url}/once`, schedule: { rules: [{ at: inFiveSeconds }] } });
    const everySecond = await create(first, { uri: `${target.url}/tick`, schedule: { rules: [{ every: 'PT1S' }] } });
    const far = await create(first, {
      uri: `${target.url}/later`,
      schedule: { rules: [{ at: '2027-12-01T00:00:00Z' }] },
    });
    await waitFor('a tick before the kill', () => target.calls.find((c) => c.url === '/tick'), 10_000);

    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const ticksBefore = target.calls.filter((c) => c.url === '/tick').length;

    const second = await startSidecarProcess({ SCHEDULER_DATA_DIR: dataDir });
    started.push(second);
    for (const task of [oneShot, everySecond, far]) {
      const response = await fetch(`${second.url}/v1/tasks/${task.id}`);
      expect(response.status, task.id).toBe(200);
    }
    const listed = (await (await fetch(`${second.url}/v1/tasks?requester_id=${requesterId}`)).json()) as {
      tasks: { id: string }[];
    };
    expect(listed.tasks.map((t) => t.id).sort()).toEqual([oneShot.id, everySecond.id, far.id].sort());

    await waitFor('the one-shot after the restart', () => target.calls.find((c) => c.url === '/once'), 15_000);
    await waitFor(
      'ticks after the restart',
      () => (target.calls.filter((c) => c.url === '/tick').length >= ticksBefore + 2 ? true : undefined),
      15_000,
    );
    const onceCall = target.calls.find((c) => c.url === '/once');
    expect(Date.parse(String(onceCall?.headers['x-br-scheduled-at']))).toBe(Date.parse(inFiveSeconds));
  });

  it('stops gracefully on SIGTERM with exit code 0', { timeout: 30_000 }, async () => {
    // Its own data dir: the sidecar of the test above still holds the store's lock.
    const sidecar = await startSidecarProcess({ SCHEDULER_DATA_DIR: join(dataDir, 'graceful') });
    started.push(sidecar);
    sidecar.kill('SIGTERM');
    expect(await sidecar.exited).toBe(0);
    expect(sidecar.logs.some((entry) => entry['msg'] === 'br-schedule stopped')).toBe(true);
  });

  it('refuses a store another process holds', { timeout: 30_000 }, async () => {
    const holder = await startSidecarProcess({ SCHEDULER_DATA_DIR: join(dataDir, 'held') });
    started.push(holder);
    const error = await startSidecarProcess({ SCHEDULER_DATA_DIR: join(dataDir, 'held') }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/exited \(1\).*STORE_LOCKED/);
  });

  it('refuses a wrong setting, naming the variable', { timeout: 30_000 }, async () => {
    await expect(startSidecarProcess({ SCHEDULER_DATA_DIR: dataDir, SCHEDULER_HTTP_PORT: '80a' })).rejects.toThrow(
      /SCHEDULER_HTTP_PORT/,
    );
  });
});
