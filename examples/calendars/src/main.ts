import { startCalendars } from './calendars.ts';

/**
 * The README's first command runs this: the four calendars in SCHEDULER_TIMEZONE (default
 * Asia/Tehran), their next fires, then each fire as it happens (plus a 10-second heartbeat, so
 * there is something to see). Ctrl-C stops it.
 */
const timezone = process.env['SCHEDULER_TIMEZONE'] ?? 'Asia/Tehran';
const { scheduler, tasks } = await startCalendars({
  timezone,
  heartbeatSeconds: 10,
  onFire: (fire) => console.log(`${fire.firedAt}  fired  ${fire.calendar} (due ${fire.scheduledAt})`),
});

console.log(`br-sdk schedule: ${tasks.length} tasks in ${timezone}; next fires (UTC):`);
for (const task of tasks) {
  const upcoming = await scheduler.upcoming(task.id, 3);
  const parameters = task.target['parameters'] as { calendar?: string } | undefined;
  const calendar = parameters?.calendar ?? task.id;
  console.log(`  ${calendar.padEnd(32)} ${upcoming.map((d) => d.toISOString()).join('  ')}`);
}
console.log('Waiting for fires (Ctrl-C to stop)…');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    scheduler.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
