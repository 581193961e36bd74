import { readFileSync } from 'node:fs';
import { Scheduler } from '@br-sdk/schedule';
import { describe, expect, it } from 'vitest';
import {
  HttpOptionsError,
  type HttpServerOptions,
  HttpTransport,
  resolveHttpServerOptions,
  VERSION,
  WebSocketResultChannel,
} from '../src/index.ts';

describe('options', () => {
  it('fills the defaults', () => {
    const scheduler = new Scheduler();
    const resultChannel = new WebSocketResultChannel();
    expect(resolveHttpServerOptions({ scheduler, resultChannel })).toEqual({
      scheduler,
      resultChannel,
      host: '127.0.0.1',
      port: 8080,
      logger: null,
      restDeliverTo: [],
      wsDeliverTo: ['ws'],
      readiness: null,
      metrics: true,
      bodyLimit: 1_048_576,
      keepaliveMs: 30_000,
    });
  });

  it('makes its own result channel when none is given', () => {
    const transport = new HttpTransport({ scheduler: new Scheduler() });
    expect(transport.resultChannel).toBeInstanceOf(WebSocketResultChannel);
    expect(transport.resultChannel.name).toBe('ws');
    expect(transport.address).toBeNull();
  });

  it('names every bad option', () => {
    const bad = {
      scheduler: {},
      resultChannel: { name: 'ws' },
      port: 70_000,
      restDeliverTo: 'amqp',
      metrics: 'yes',
      bodyLimit: 1,
    } as unknown as HttpServerOptions;
    let error: unknown;
    try {
      new HttpTransport(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpOptionsError);
    expect((error as HttpOptionsError).code).toBe('HTTP_INVALID_OPTIONS');
    expect((error as HttpOptionsError).issues.map((i) => i.path)).toEqual([
      'scheduler',
      'resultChannel',
      'port',
      'restDeliverTo',
      'metrics',
      'bodyLimit',
    ]);
  });

  it('a busy port fails start() and leaves nothing open; the transport can start again', async () => {
    const scheduler = new Scheduler();
    const resultChannel = new WebSocketResultChannel();
    const first = new HttpTransport({ scheduler, resultChannel, port: 0 });
    const { url } = await first.start();
    const port = Number(new URL(url).port);
    const second = new HttpTransport({ scheduler, resultChannel, port });
    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.address).toBeNull();
    expect(scheduler.listenerCount('result')).toBe(1);
    await first.stop();
    const again = await second.start();
    expect(again.url).toBe(url);
    await second.stop();
    expect(scheduler.listenerCount('result')).toBe(0);
  });

  it("VERSION is the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
