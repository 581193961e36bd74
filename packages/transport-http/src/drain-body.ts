import type { IncomingMessage } from 'node:http';

/** The most of an oversized body read (and dropped) so its sender can read the 413: 16 MiB. */
export const DRAIN_LIMIT_BYTES = 16 * 1_048_576;
const DRAIN_TIMEOUT_MS = 5000;

/**
 * Reads the rest of a refused body and drops it. Closing the connection while the client still
 * sends makes the kernel answer with a reset, which discards the 413 the client has not read yet;
 * draining first lets it read the answer. Bounded in bytes and time: a body larger than the limit,
 * or one sent too slowly, is cut off (and that client sees a reset).
 */
export function drainBody(request: IncomingMessage): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', done);
      request.off('close', done);
      request.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
    request.on('data', onData);
    request.once('end', done);
    request.once('close', done);
    request.once('error', done);
    request.resume();
  });
}
