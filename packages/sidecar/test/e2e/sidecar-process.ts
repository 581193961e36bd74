import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../src/cli.ts');

/** Deletes what a sidecar declared on the broker for its request queue and result exchange. */
export async function deleteSidecarTopology(
  channel: { deleteQueue(name: string): Promise<unknown>; deleteExchange(name: string): Promise<unknown> },
  requestQueue: string,
  resultExchange: string,
): Promise<void> {
  for (const queue of [requestQueue, `${requestQueue}.dead`]) await channel.deleteQueue(queue).catch(() => {});
  for (const exchange of [`${requestQueue}.dlx`, resultExchange])
    await channel.deleteExchange(exchange).catch(() => {});
}

/** A `br-schedule serve` process this test started, and what it logged. */
export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `br-schedule serve` (from source) with `env`; resolves once it says it is serving. */
export async function startSidecarProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<SidecarProcess> {
  const child = spawn(process.execPath, ['--conditions=source', CLI, 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SCHEDULER_HTTP_PORT: '0',
      SCHEDULER_ENV_FILE: '/dev/null',
      // The channel tests speak unsigned; test/e2e/security.test.ts turns authentication on.
      SCHEDULER_AUTH: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sidecar did not start in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry['msg'] === 'br-schedule serving' && typeof entry['url'] === 'string') {
            clearTimeout(timer);
            resolve(entry['url']);
          }
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited (${code}) before serving: ${stderr}${JSON.stringify(logs.at(-1) ?? {})}`));
    });
  });
  return { child, url, logs, exited, kill: (signal) => child.kill(signal) };
}

/** A request the target server received. */
export interface ReceivedCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

/** A real HTTP server on loopback that records every request and answers 200 with a small JSON body. */
export async function startTarget(): Promise<{ url: string; calls: ReceivedCall[]; close(): Promise<void> }> {
  const calls: ReceivedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      calls.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
