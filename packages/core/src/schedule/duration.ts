/**
 * ISO 8601 durations (`P10DT3H`, `P1M`, `PT90S`, `P2W`) split into the part added on the wall
 * clock (years, months, weeks, days) and the part added as elapsed time (hours, minutes, seconds),
 * which is how Temporal.ZonedDateTime.add treats them across DST.
 */
export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

/** The keys of {@link Duration} in ISO order, for building and printing. */
const DURATION_UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Parses an ISO 8601 duration; returns a reason string when it is not one we accept. */
export function parseDuration(text: string): Duration | string {
  const match = PATTERN.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) {
    return `'${text}' is not an ISO 8601 duration such as P10DT3H (whole numbers of Y, M, W, D, then T and H, M, S)`;
  }
  const values = match.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = values;
  const duration: Duration = { years, months, weeks, days, hours, minutes, seconds };
  for (const unit of DURATION_UNITS) {
    if (!Number.isSafeInteger(duration[unit])) return `${unit} in '${text}' is too large`;
  }
  if (!hasDatePart(duration) && timePartMs(duration) < 1000) return `'${text}' is shorter than the minimum of 1 second`;
  return duration;
}

export function hasDatePart(d: Duration): boolean {
  return d.years !== 0 || d.months !== 0 || d.weeks !== 0 || d.days !== 0;
}

/** The elapsed-time part in ms. */
export function timePartMs(d: Duration): number {
  return ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
}

/** Formats a duration given as an object of units (`{ days: 10, hours: 3 }`) as ISO 8601 (`P10DT3H`). */
export function formatDuration(d: Partial<Duration>): string {
  const date = `${unit(d.years, 'Y')}${unit(d.months, 'M')}${unit(d.weeks, 'W')}${unit(d.days, 'D')}`;
  const time = `${unit(d.hours, 'H')}${unit(d.minutes, 'M')}${unit(d.seconds, 'S')}`;
  return `P${date}${time ? `T${time}` : ''}`;
}

function unit(value: number | undefined, letter: string): string {
  return value ? `${value}${letter}` : '';
}
