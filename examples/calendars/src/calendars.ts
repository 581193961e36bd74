import { every, monthly, Scheduler, type SchedulerOptions, type TaskRecord, union, weekly } from '@br-sdk/schedule';

/** The four calendars users asked for, each a task of its own, and their union as a fifth. */
export const CALENDARS = {
  'every 10 days and 3 hours': union(every({ days: 10, hours: 3 }, { from: '2026-11-01T00:00:00' })),
  'Thursdays 17:00': union(weekly('THU', '17:00')),
  'Saturdays 04:00': union(weekly('SAT', '04:00')),
  'the 3rd of each month at 15:00': union(monthly(3, '15:00')),
  'all four': union(
    every({ days: 10, hours: 3 }, { from: '2026-11-01T00:00:00' }),
    weekly('THU', '17:00'),
    weekly('SAT', '04:00'),
    monthly(3, '15:00'),
  ),
} as const;

export interface Fire {
  readonly calendar: string;
  readonly scheduledAt: string;
  readonly firedAt: string;
}

/**
 * Starts a scheduler with one task per calendar in `timezone`, calling `onFire` for each fire.
 * `heartbeatSeconds` adds a task that fires every few seconds, so a person watching sees fires
 * happen without waiting for Thursday.
 */
export async function startCalendars(options: {
  timezone: string;
  onFire: (fire: Fire) => void;
  heartbeatSeconds?: number;
  scheduler?: SchedulerOptions;
}): Promise<{ scheduler: Scheduler; tasks: TaskRecord[] }> {
  const scheduler = new Scheduler(options.scheduler);
  scheduler.register('print-fire', ({ calendar }, context) => {
    options.onFire({
      calendar: String(calendar),
      scheduledAt: new Date(context.scheduled_at).toISOString(),
      firedAt: new Date().toISOString(),
    });
    return { calendar };
  });
  await scheduler.start();
  const entries = Object.entries(CALENDARS).map(([name, schedule]) => [name, schedule.in(options.timezone)] as const);
  if (options.heartbeatSeconds !== undefined) {
    entries.push(['heartbeat', union(every({ seconds: options.heartbeatSeconds })).in(options.timezone)]);
  }
  const tasks: TaskRecord[] = [];
  for (const [calendar, schedule] of entries) {
    tasks.push(
      await scheduler.schedule({
        requester_id: 'example-calendars',
        schedule,
        target: { kind: 'function', name: 'print-fire', parameters: { calendar } },
      }),
    );
  }
  return { scheduler, tasks };
}
