/** IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) or the obsolete RFC 850 form; both end in GMT. */
const HTTP_DATE = /^[A-Za-z]{3,9}, [0-9A-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/;
const DELTA_SECONDS = /^\d+$/;

/**
 * The wait a `Retry-After` header asks for, in ms (RFC 9110 §10.2.3): delta-seconds (`120`) or an
 * HTTP-date, measured from `now` (a date in the past means 0). Undefined when the header is
 * absent or is neither form; with several values, the first counts. Core caps the wait it honours
 * (one hour), so no cap here.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (DELTA_SECONDS.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
