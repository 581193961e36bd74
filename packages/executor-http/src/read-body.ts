import type { Readable } from 'node:stream';

/** A response body as text, cut at a byte limit. */
export interface BodyText {
  readonly text: string;
  /** True when the body had more bytes than the limit; they were not read. */
  readonly truncated: boolean;
}

/**
 * Reads `body` as UTF-8 (invalid bytes become U+FFFD) up to `limit` bytes. At the first byte past
 * the limit it destroys the stream, which makes undici close the connection instead of reading the
 * rest: a 1 GB answer costs `limit` bytes of memory, not 1 GB. A character cut by the limit is
 * dropped, so `text` is at most `limit` bytes of UTF-8.
 */
export function readBody(body: Readable, limit: number): Promise<BodyText> {
  return new Promise<BodyText>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      body.off('data', onData).off('end', onEnd).off('error', reject).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length <= limit) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      stop();
      // A destroyed body may still report an error (the aborted request): nobody waits for it now.
      body.on('error', () => {});
      body.destroy();
      // `stream: true` holds back an incomplete last character instead of turning it into U+FFFD.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.concat(chunks, size), { stream: true });
      resolve({ text, truncated: true });
    };
    const onEnd = (): void => {
      stop();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve({ text: bytes.toString('utf8'), truncated: false });
    };
    // 'close' without 'end' or 'error' first: destroyed without a reason. Not expected from
    // undici, but a promise that never settles would hold the run forever.
    const onClose = (): void => {
      stop();
      reject(new Error('the response body was closed before its end'));
    };
    body.on('data', onData).on('end', onEnd).on('error', reject).on('close', onClose);
  });
}
