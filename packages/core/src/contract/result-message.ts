import type { Scheduler } from '../scheduler/scheduler.ts';
import type { RunResult, TaskTarget } from '../scheduler/task.ts';
import type { ResultSigner } from '../security/result-signer.ts';
import type { ResultMessage } from './views.ts';

/**
 * The message a requester receives for a finished run: the run's result with the call it made
 * (`uri`, `method`, `parameters`), as the contract has it. Function targets have no uri.
 */
export function toResultMessage(result: RunResult, target: TaskTarget | undefined): ResultMessage {
  const http = target?.kind === 'http';
  const parameters = http ? target['parameters'] : undefined;
  const uri = http ? target['uri'] : undefined;
  return {
    ...result,
    uri: typeof uri === 'string' ? uri : null,
    method: http ? ((target['method'] as ResultMessage['method'] | undefined) ?? 'GET') : null,
    parameters:
      typeof parameters === 'string' ||
      (typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters))
        ? (parameters as ResultMessage['parameters'])
        : null,
    scheduler_signature: null,
  };
}

/**
 * The result message of a run, its call read from the task; with null call fields when the task
 * cannot be read (it is gone), rather than a delivery that fails for ever. Signed when a signer is given.
 */
export async function resultMessageOf(
  scheduler: Scheduler,
  result: RunResult,
  signer?: ResultSigner,
): Promise<ResultMessage> {
  const task = await scheduler.get(result.task_id).catch(() => undefined);
  const message = toResultMessage(result, task?.target);
  return signer === undefined ? message : signer.sign(message);
}
