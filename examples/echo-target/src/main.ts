import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * An HTTP target to point tasks at while trying the sidecar (docker-compose.yml runs it): each
 * request is logged as one JSON line and answered 200 `{ "ok": true, "received": … }`. No
 * dependencies, so `node src/main.ts` runs it anywhere Node 24 is.
 *
 * PORT (default 8081; 0 takes any free port, printed in the `listening` line), HOST (default all
 * interfaces).
 */

const MAX_BODY_BYTES = 1024 * 1024;

/** The headers the scheduler sets on every attempt: `X-Br-*` and `Idempotency-Key`. */
function schedulerHeaders(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if ((name.startsWith('x-br-') || name === 'idempotency-key') && value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}

/** JSON bodies as values, anything else as text; undefined when there is none. */
function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: echoed as text
    }
  }
  return text;
}

function log(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      response.writeHead(413, { 'content-type': 'application/json' }).end('{"ok":false,"error":"body too large"}');
      request.destroy();
      return;
    }
    chunks.push(chunk);
  }
  const received = {
    method: request.method,
    url: request.url,
    headers: schedulerHeaders(request),
    body: decodeBody(Buffer.concat(chunks), request.headers['content-type']),
  };
  log({ msg: 'request', ...received });
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, received }));
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    // A client that hangs up mid-body: nothing to answer.
    log({ msg: 'request failed', method: request.method, url: request.url, error: String(error) });
    response.destroy();
  });
});

const port = Number(process.env['PORT'] ?? 8081);
const host = process.env['HOST'];
server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
  const address = server.address();
  log({ msg: 'listening', port: typeof address === 'object' && address !== null ? address.port : port });
});

// As a container's PID 1, Node gets no default handling of SIGTERM: stop on it explicitly.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log({ msg: 'stopping', signal });
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
