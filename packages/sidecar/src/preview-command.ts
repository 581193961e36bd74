import {
  compileSchedule,
  formatInstant,
  InvalidArgumentError,
  MAX_PREVIEW_COUNT,
  parseInstant,
} from '@br-sdk/schedule';

export interface PreviewArgs {
  /** RFC 3339 instant with an offset; default now. */
  readonly from?: string | undefined;
  /** How many instants; default 10. */
  readonly count?: string | undefined;
}

/**
 * `br-schedule preview`: the next instants of the schedule JSON in `input`, one RFC 3339 UTC
 * instant per line. Throws SchedulerError (ScheduleValidationError, InvalidArgumentError) on bad input.
 */
export function runPreview(input: string, args: PreviewArgs, now: number = Date.now()): string[] {
  const from = args.from === undefined ? now : parseInstant(args.from, '--from');
  const count = args.count === undefined ? 10 : Number(args.count);
  if (!Number.isInteger(count) || count < 0 || count > MAX_PREVIEW_COUNT) {
    throw new InvalidArgumentError('invalid arguments', [
      { path: '--count', message: `expected a whole number from 0 to ${MAX_PREVIEW_COUNT}, got '${args.count}'` },
    ]);
  }
  let schedule: unknown;
  try {
    schedule = JSON.parse(input);
  } catch (error) {
    throw new InvalidArgumentError('invalid input', [
      { path: 'stdin', message: `not JSON: ${(error as Error).message}` },
    ]);
  }
  // A schedule without `every.from` is anchored at `--from`, as if the task were created then.
  return compileSchedule(schedule, { now: from })
    .preview(from, count)
    .map((instant) => formatInstant(instant.getTime()));
}
