import { parseArgs } from 'node:util';
import { isSchedulerError } from '@br-sdk/schedule';
import { runKeygen, runPublicKey } from './keys-command.ts';
import { runPreview } from './preview-command.ts';
import { runServe } from './serve-command.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `Usage: br-schedule <command> [options]

Commands:
  serve
      Runs the scheduler: the SQLite store in SCHEDULER_DATA_DIR, REST and WebSocket on
      SCHEDULER_HTTP_HOST:SCHEDULER_HTTP_PORT, AMQP when SCHEDULER_AMQP_URL is set. Configured from
      the environment and an optional .env file (docs/configuration.md). Stops gracefully on SIGTERM.
  preview [--from <RFC 3339>] [--count <n>]
      Reads a schedule (JSON) on stdin and prints its next n fire instants (default 10)
      strictly after --from (default: now), one per line, as RFC 3339 UTC.
      Example: echo '{"timezone":"Asia/Tehran","rules":[{"cron":"0 17 * * THU"}]}' | br-schedule preview --count 3
  keygen --requester-id <uuid> [--out <dir>] [--hmac]
      Makes a requester's credentials (docs/security.md): <uuid>.key (private, for the requester)
      and <uuid>.pem (public, for the scheduler's SCHEDULER_AUTH_KEYS directory); with --hmac, one
      shared secret <uuid>.hmac instead. Never overwrites a file.
  public-key [--raw]
      Prints the public key results are signed with (PEM; --raw: the 32 bytes in base64), from the
      same settings as serve. Give it to clients so they can verify results.
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Prints an error the way every command does: each issue on its own line, `path: reason`. */
function report(error: unknown): number {
  if (isSchedulerError(error)) {
    const issues = 'issues' in error ? (error.issues as { path: string; message: string }[]) : [];
    if (issues.length === 0) process.stderr.write(`error ${error.code}: ${error.message}\n`);
    for (const issue of issues)
      process.stderr.write(`error ${error.code}: ${issue.path || '(input)'}: ${issue.message}\n`);
    return 2;
  }
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

function usageError(message: string): UsageError {
  return new UsageError(message);
}

async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') {
    if (rest.length > 0) {
      process.stderr.write(`error: serve takes no arguments (configure it with SCHEDULER_* variables)\n\n${USAGE}`);
      return 2;
    }
    return runServe();
  }
  if (command !== 'preview' && command !== 'keygen' && command !== 'public-key') {
    process.stderr.write(`error: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  try {
    if (command === 'keygen') {
      const { values } = parseArgs({
        args: [...rest],
        options: { 'requester-id': { type: 'string' }, out: { type: 'string' }, hmac: { type: 'boolean' } },
        strict: true,
      });
      const requesterId = values['requester-id'];
      if (requesterId === undefined) throw usageError('keygen needs --requester-id <uuid>');
      const written = runKeygen({ requesterId, ...values });
      process.stdout.write(`${written.join('\n')}\n`);
      return 0;
    }
    if (command === 'public-key') {
      const { values } = parseArgs({ args: [...rest], options: { raw: { type: 'boolean' } }, strict: true });
      process.stdout.write(runPublicKey(values));
      return 0;
    }
    const { values } = parseArgs({
      args: [...rest],
      options: { from: { type: 'string' }, count: { type: 'string' } },
      strict: true,
    });
    const lines = runPreview(await readStdin(), values);
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    return 0;
  } catch (error) {
    const parseArgsError =
      error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
    if (parseArgsError || error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    return report(error);
  }
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
