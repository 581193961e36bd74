import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/**
 * Closes the broker's side of every connection whose `connection_name` starts with `prefix` (the
 * transport's own, never the test's), as an operator or a failing node would. Returns how many.
 */
export async function closeConnections(prefix: string): Promise<number> {
  const listing = await rabbitmqctl('list_connections', 'pid', 'client_properties', '-s');
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${prefix}`))
    .map((line) => line.split('\t')[0] ?? '');
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'test: connection closed on purpose');
  return pids.length;
}

/** Stops the RabbitMQ application (the Erlang node stays up): every connection drops, connects are refused. */
export async function stopApp(): Promise<void> {
  await rabbitmqctl('stop_app');
}

/** Starts the RabbitMQ application again and waits until it has booted. */
export async function startApp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/** Ready and unacknowledged message counts of a queue (what `checkQueue` cannot tell apart). */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number }> {
  const listing = await rabbitmqctl('list_queues', 'name', 'messages_ready', 'messages_unacknowledged', '-s');
  for (const line of listing.split('\n')) {
    const [name, ready, unacked] = line.split('\t');
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked) };
  }
  throw new Error(`queue ${queue} not found`);
}
