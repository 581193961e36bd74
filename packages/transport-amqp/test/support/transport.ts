import type { RunResult } from '@br-sdk/schedule';
import { sampleRunResult } from '@br-sdk/schedule/testing';
import {
  type AmqpLogger,
  type AmqpReply,
  type AmqpRequest,
  AmqpTransport,
  type AmqpTransportOptions,
} from '../../src/index.ts';
import { BROKER_URL, type TestNames } from './broker.ts';

/** Log entries kept in memory, so a test can look at what the transport reported. */
export function recordingLogger(): {
  logger: AmqpLogger;
  entries: { level: string; message: string; fields: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, message, fields });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

/** A handler that accepts every request and answers `{ ok: true, echo: body }`. */
export const echo = async (request: AmqpRequest): Promise<AmqpReply> => ({
  reply: { ok: true, echo: request.body },
  deadLetter: false,
});

/** A transport on the test's names, reconnecting fast. */
export function testTransport(names: TestNames, options: Partial<AmqpTransportOptions> = {}): AmqpTransport {
  return new AmqpTransport({
    url: BROKER_URL,
    requestQueue: names.requestQueue,
    resultExchange: names.resultExchange,
    connectionName: names.connectionName,
    handle: echo,
    toResultMessage: (result: RunResult) => ({ type: 'result', ...result }),
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    ...options,
  });
}

/** A finished run for `requester`, from core's samples. */
export function runResult(runId: string, requester: string): RunResult {
  return sampleRunResult(`task-${runId}`, runId, { requester_id: requester });
}

/** A promise with its resolve function, for holding a handler until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
