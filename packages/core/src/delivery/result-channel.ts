import type { RunResult } from '../scheduler/task.ts';

/**
 * A way results leave the scheduler towards their requesters (AMQP, WebSocket, …). Results wait in
 * the store's outbox until every channel has confirmed them, so a channel that is down loses
 * nothing: delivery is retried, across restarts too.
 */
export interface ResultChannel {
  /** Stable name, stored with each outbox entry: renaming a channel strands the entries pending for the old name. */
  readonly name: string;
  /** Resolves once the channel has taken the result for good (a broker's publisher confirm, say); rejects to be retried. */
  deliver(result: RunResult): Promise<void>;
}
