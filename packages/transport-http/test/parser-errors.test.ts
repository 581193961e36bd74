import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStack } from './helpers.ts';

/** Writes `request` byte for byte on a connection of its own; resolves with all the server sent until it closed. */
function exchangeRaw(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(Buffer.from(request, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

function parse(response: string) {
  const end = response.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = response.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: response.slice(end + 4) };
}

describe('requests the HTTP parser refuses', () => {
  it('are answered with a problem document and a closed connection, not a bare JSON error', async () => {
    const { url } = await startStack();
    for (const request of [
      'GARBAGE\r\n\r\n',
      'GET /v1/tasks?status=\u00ce HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/tasks HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /v1/tasks HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
    ]) {
      const answer = parse(await exchangeRaw(url, request));
      expect(answer.status, request).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.headers['connection']).toBe('close');
      expect(JSON.parse(answer.body)).toMatchObject({
        type: 'https://br-sdk.dev/problems/malformed-message',
        status: 400,
        code: 'MALFORMED_MESSAGE',
        issues: [{ path: '' }],
      });
    }
  });

  it('answers oversized headers 431 MESSAGE_TOO_LARGE, and a HEAD without content', async () => {
    const { url } = await startStack();
    const large = parse(
      await exchangeRaw(url, `GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(large.status).toBe(431);
    expect(JSON.parse(large.body)).toMatchObject({ status: 431, code: 'MESSAGE_TOO_LARGE' });

    const head = parse(await exchangeRaw(url, 'HEAD /v1/tasks?status=\u00ce HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(head.status).toBe(400);
    expect(head.headers['content-type']).toBe('application/problem+json');
    expect(head.body).toBe('');
  });
});
