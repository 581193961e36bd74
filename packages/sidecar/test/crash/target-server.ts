/**
 * The crash test's HTTP target, in a process of its own so that killing the scheduler cannot touch
 * it. Every request is appended to a JSON-lines file before it is answered, so the log holds
 * everything the scheduler sent, whatever happened to the scheduler afterwards.
 * Usage: node target-server.ts <log-file>; prints "PORT <n>"; exits when its parent goes away.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const logFile = process.argv[2];
if (logFile === undefined) throw new Error('usage: target-server.ts <log-file>');

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const line = {
      key: request.headers['idempotency-key'],
      task: request.headers['x-br-task-id'],
      run: request.headers['x-br-run-id'],
      attempt: Number(request.headers['x-br-attempt']),
      at: Date.now(),
    };
    appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`PORT ${address.port}\n`);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
