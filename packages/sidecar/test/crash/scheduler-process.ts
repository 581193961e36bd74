/**
 * The crash test's scheduler: store-sqlite on a file that outlives the process, HTTP targets.
 * Tasks arrive over IPC as `{ tasks: TaskInput[] }`; each is acknowledged with `{ acked: id }`
 * only once `schedule()` resolved, which is when the task is durable. The test kills this process
 * with SIGKILL at random moments. Usage: node --conditions=source scheduler-process.ts <db-file>
 */
import { Scheduler, type TaskInput } from '@br-sdk/schedule';
import { HttpExecutor } from '@br-sdk/schedule-executor-http';
import { SqliteTaskStore } from '@br-sdk/schedule-sqlite';

const path = process.argv[2];
if (path === undefined || process.send === undefined) throw new Error('usage: fork(scheduler-process.ts, [db-file])');
const send = (message: unknown) => process.send?.(message);

const store = await SqliteTaskStore.open({ path });
const executor = new HttpExecutor();
const scheduler = new Scheduler({ store, executors: [executor], concurrency: 500 });
scheduler.on('error', (error) => send({ error: error.message }));
await scheduler.start();

process.on('message', (message: { tasks?: TaskInput[]; stop?: boolean }) => {
  if (message.stop) {
    void scheduler
      .stop({ timeoutMs: 5000 })
      .then(() => executor.close())
      .then(() => store.close())
      .then(() => process.exit(0));
    return;
  }
  for (const task of message.tasks ?? []) {
    scheduler.schedule(task).then(
      (record) => send({ acked: record.id }),
      (error: Error) => send({ refused: task.task_id, error: error.message }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
send({ ready: true });
