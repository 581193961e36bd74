import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A readers-writer lock on the RabbitMQ broker, across test processes (Vitest runs test files in
 * parallel). Files that use the broker hold it shared; a file that stops the broker (stop_app)
 * holds it exclusively, so it never pulls the broker from under another file's test. Locks of
 * processes that died are ignored. Other packages' AMQP tests can take the shared side too.
 */
const DIR = join(tmpdir(), 'br-schedule-rabbitmq-lock');
const EXCLUSIVE = join(DIR, 'exclusive');
const WAIT_LIMIT_MS = 600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function exclusiveHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(EXCLUSIVE, 'utf8'));
    if (pid === process.pid || alive(pid)) return pid;
    rmSync(EXCLUSIVE, { force: true });
  } catch {
    // No exclusive holder.
  }
  return undefined;
}

function sharedHolders(except: string): string[] {
  return readdirSync(DIR).filter((name) => {
    if (!name.startsWith('shared-') || name === except) return false;
    if (alive(Number(name.split('-')[1]))) return true;
    rmSync(join(DIR, name), { force: true });
    return false;
  });
}

async function waitUntil(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for the broker lock (${what})`);
    await sleep(100);
  }
}

/** Takes the broker shared; resolves to the release function. */
export async function lockBrokerShared(): Promise<() => void> {
  mkdirSync(DIR, { recursive: true });
  const name = `shared-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const path = join(DIR, name);
  // Flag first, then look: with the writer doing the same, one of the two always sees the other.
  for (;;) {
    writeFileSync(path, '');
    if (exclusiveHolder() === undefined) return () => rmSync(path, { force: true });
    rmSync(path, { force: true });
    await waitUntil(() => exclusiveHolder() === undefined, 'shared');
  }
}

/** Takes the broker exclusively; resolves to the release function. */
export async function lockBrokerExclusive(): Promise<() => void> {
  mkdirSync(DIR, { recursive: true });
  await waitUntil(() => {
    if (exclusiveHolder() !== undefined) return false;
    try {
      const fd = openSync(EXCLUSIVE, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      return false;
    }
  }, 'exclusive');
  const release = () => rmSync(EXCLUSIVE, { force: true });
  try {
    await waitUntil(() => sharedHolders('').length === 0, 'exclusive, for shared holders to finish');
  } catch (error) {
    release();
    throw error;
  }
  return release;
}
