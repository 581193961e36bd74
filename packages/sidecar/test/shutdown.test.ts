import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { onShutdown } from '../src/shutdown.ts';
import { captureLogs } from './log-capture.ts';

/** A signal source and an exit function that records codes, for onShutdown in this process. */
function harness() {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const exited = new Promise<number>((resolve) => {
    signals.once('exit-called', resolve);
  });
  const exit = (code: number) => {
    exits.push(code);
    signals.emit('exit-called', code);
  };
  const send = (signal: NodeJS.Signals) => signals.emit(signal, signal);
  return { signals, exits, exited, exit, send, ...captureLogs() };
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('onShutdown', () => {
  it('runs the handler once on the first signal, then exits 0', async () => {
    const h = harness();
    const done = deferred();
    const handler = vi.fn(() => done.promise);
    const handle = onShutdown(['SIGTERM', 'SIGINT'], handler, { timeoutMs: 1000, ...h });
    expect(handle.started).toBe(false);
    h.send('SIGTERM');
    await Promise.resolve();
    expect(handle.started).toBe(true);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith('SIGTERM');
    expect(h.exits).toEqual([]);
    done.resolve();
    expect(await h.exited).toBe(0);
    expect(h.lines.map((line) => line['msg'])).toEqual([
      'shutdown: stopping (a second signal forces exit)',
      'shutdown: complete',
    ]);
    expect(h.lines[0]).toMatchObject({ level: 'info', reason: 'SIGTERM', timeoutMs: 1000 });
  });

  it('forces exit 1 on a second signal', async () => {
    const h = harness();
    const handler = vi.fn(() => new Promise<void>(() => {}));
    onShutdown(['SIGTERM', 'SIGINT'], handler, { timeoutMs: 60_000, ...h });
    h.send('SIGINT');
    h.send('SIGINT');
    expect(await h.exited).toBe(1);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(h.lines.at(-1)).toMatchObject({
      level: 'error',
      reason: 'SIGINT',
      msg: 'shutdown: second signal, forcing exit',
    });
  });

  it('forces exit 1 when the handler outlives the timeout plus the grace period', async () => {
    const h = harness();
    const started = Date.now();
    onShutdown(['SIGTERM'], () => new Promise<void>(() => {}), { timeoutMs: 40, graceMs: 60, ...h });
    h.send('SIGTERM');
    expect(await h.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(h.lines.at(-1)).toMatchObject({
      level: 'error',
      afterMs: 100,
      msg: 'shutdown: deadline passed, forcing exit',
    });
  });

  it('exits 1 with the error logged when the handler fails', async () => {
    const h = harness();
    onShutdown(
      ['SIGTERM'],
      async () => {
        throw new Error('flush failed');
      },
      { timeoutMs: 1000, ...h },
    );
    h.send('SIGTERM');
    expect(await h.exited).toBe(1);
    expect(h.lines.at(-1)).toMatchObject({ level: 'error', msg: 'shutdown: failed', err: { message: 'flush failed' } });
  });

  it('can be triggered without a signal, and disposed', async () => {
    const h = harness();
    const handler = vi.fn(async () => {});
    const handle = onShutdown(['SIGTERM'], handler, { timeoutMs: 1000, ...h });
    handle.trigger('fatal error');
    handle.trigger('again');
    expect(await h.exited).toBe(0);
    expect(handler).toHaveBeenCalledExactlyOnceWith('fatal error');

    const other = harness();
    onShutdown(['SIGTERM'], handler, { timeoutMs: 1000, ...other }).dispose();
    expect(other.signals.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('onShutdown in a real process', () => {
  const child = fileURLToPath(new URL('shutdown/child.ts', import.meta.url));

  /**
   * Starts the child and sends it `signals`, each once it has logged another line (the first once
   * it is ready): two signals sent together may reach it as one. Resolves with its exit code and log.
   */
  function run(args: string[], signals: NodeJS.Signals[]) {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pending = [...signals];
    let out = '';
    return new Promise<{ code: number | null; lines: Record<string, unknown>[] }>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`child did not exit; stdout: ${out}`));
      }, 15_000);
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (chunk: string) => {
        out += chunk;
        const signal = pending.shift();
        if (signal !== undefined) proc.kill(signal);
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        const lines = out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({ code, lines });
      });
    });
  }

  it('SIGTERM: the handler finishes, exit 0', async () => {
    const { code, lines } = await run(['100', '1000', '5000'], ['SIGTERM']);
    expect(code).toBe(0);
    // As sets after the first line: on a loaded machine the child's last two lines have come out
    // of stdout in either order (seen once in a full run), which says nothing of the shutdown.
    const messages = lines.map((line) => line['msg']);
    expect(messages.slice(0, 2)).toEqual(['ready', 'shutdown: stopping (a second signal forces exit)']);
    expect(messages.slice(2).sort()).toEqual(['handler finished', 'shutdown: complete']);
  });

  it('SIGINT twice: exit 1 at once, with a log line', async () => {
    const { code, lines } = await run(['hang', '60000', '5000'], ['SIGINT', 'SIGINT']);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: 'shutdown: second signal, forcing exit' });
  });

  it('a handler that hangs: exit 1 at the deadline, with a log line', async () => {
    const { code, lines } = await run(['hang', '100', '100'], ['SIGTERM']);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      afterMs: 200,
      msg: 'shutdown: deadline passed, forcing exit',
    });
  });
});
