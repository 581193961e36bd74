import { spawn } from 'node:child_process';

/** What a child process reported: its `RESULT {json}` line, or why there is none. */
export interface ChildOutcome<Job, Result> {
  readonly job: Job;
  readonly result: Result | null;
  readonly error: string | null;
}

/**
 * Runs `script --child <job as JSON>` in a fresh Node process (with `--expose-gc` and this
 * process's flags), so each measurement starts with a clean heap and JIT, and reads the
 * `RESULT {json}` line it prints. The child is killed by PID after `timeoutMs`: no bench may hang.
 */
export function runChildJob<Job, Result>(
  script: string,
  job: Job,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildOutcome<Job, Result>> {
  const args = [...process.execArgv, '--expose-gc', script, '--child', JSON.stringify(job)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    const finish = (error: string | null) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      const result = error === null && line ? (JSON.parse(line.slice(7)) as Result) : null;
      resolve({ job, result, error: error ?? (result ? null : 'no RESULT line') });
    };
    child.on('error', (error) => finish(error.message));
    child.on('close', (code, signal) => {
      if (timedOut) finish(`killed after the ${timeoutMs} ms timeout`);
      else finish(code === 0 ? null : `exit ${code ?? signal}`);
    });
  });
}
