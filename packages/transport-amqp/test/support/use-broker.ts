import { afterAll, beforeAll, onTestFinished } from 'vitest';
import type { AmqpTransport } from '../../src/index.ts';
import { TestBroker } from './broker.ts';
import { lockBrokerExclusive, lockBrokerShared } from './broker-lock.ts';
import { Requester } from './requester.ts';

/**
 * Holds the broker lock for this test file: shared, or exclusive for the file that stops the
 * broker. The hook may wait for another file's hold, hence its long timeout.
 */
export function useBrokerLock(mode: 'shared' | 'exclusive'): void {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await (mode === 'shared' ? lockBrokerShared() : lockBrokerExclusive());
  }, 660_000);
  afterAll(() => release?.());
}

/** A TestBroker whose queues and exchanges are deleted when the current test ends. */
export function testBroker(): TestBroker {
  const broker = new TestBroker();
  onTestFinished(() => broker.cleanup());
  return broker;
}

/** Starts a transport, stopped when the current test ends (before the broker's cleanup). */
export async function started(transport: AmqpTransport): Promise<AmqpTransport> {
  onTestFinished(() => transport.stop());
  await transport.start();
  return transport;
}

/** A Requester closed when the current test ends. */
export async function requester(broker: TestBroker, requestQueue: string): Promise<Requester> {
  const client = await Requester.open(broker, requestQueue);
  onTestFinished(() => client.close());
  return client;
}
