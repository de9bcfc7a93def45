/**
 * Event time rules shared by ingestion and the usage query: ISO-8601 with an explicit offset or
 * unix seconds, and Stripe's acceptance window for meter events (docs/stripe.md), so that nothing is
 * accepted here that the reporter could never deliver.
 */
export const MAX_EVENT_AGE_MS = 35 * 24 * 60 * 60 * 1000;
export const MAX_EVENT_LEAD_MS = 5 * 60 * 1000;

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;
const UNIX_SECONDS_TEXT = /^\d{1,12}$/;
/** Unix seconds beyond year 9999 cannot be meant; milliseconds are the usual mistake. */
const MAX_UNIX_SECONDS = 253_402_300_799;
/**
 * PostgreSQL's timestamptz has no year 0 and JavaScript writes years past 9999 as `+010000`: an
 * instant outside years 1–9999 (once its offset is applied) would reach the database as an
 * unreadable literal and fail the statement.
 */
const EARLIEST_INSTANT_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_INSTANT_MS = MAX_UNIX_SECONDS * 1000 + 999;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** JavaScript's Date accepts 2026-02-30 (as 2 March); a ledger must not. */
function isoCalendarIsValid(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  return (
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth(year!, month!) &&
    hour! <= 23 && minute! <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59
  );
}

/**
 * Milliseconds since the epoch, or undefined when `input` is neither an ISO-8601 date-time with an
 * offset (`2026-11-25T10:00:00Z`, `…+02:00`) nor whole unix seconds (a number, or digits in a query
 * string when `digitsAsSeconds`).
 */
export function parseInstant(input: unknown, digitsAsSeconds = false): number | undefined {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 && input <= MAX_UNIX_SECONDS ? input * 1000 : undefined;
  }
  if (typeof input !== 'string') return undefined;
  if (digitsAsSeconds && UNIX_SECONDS_TEXT.test(input)) return parseInstant(Number(input));
  const match = ISO_WITH_OFFSET.exec(input);
  if (!match || !isoCalendarIsValid(match)) return undefined;
  const millis = Date.parse(input);
  return millis >= EARLIEST_INSTANT_MS && millis <= LATEST_INSTANT_MS ? millis : undefined;
}

export const INSTANT_FORMAT_PROBLEM = 'must be an ISO-8601 date-time with an offset (2026-11-25T10:00:00Z) or whole unix seconds (not milliseconds), within years 1–9999 in UTC';

function describeDistance(millis: number): string {
  const minutes = Math.round(millis / 60_000);
  return minutes < 120 ? `${minutes} minutes` : `${Math.round(millis / 3_600_000 / 24 * 10) / 10} days`;
}

/** Why an event time cannot be accepted at `receivedAt`, or undefined when it can. */
export function eventTimeOutOfRange(eventTime: number, receivedAt: number): string | undefined {
  if (eventTime < receivedAt - MAX_EVENT_AGE_MS) {
    return `timestamp ${new Date(eventTime).toISOString()} is ${describeDistance(receivedAt - eventTime)} in the past; events may be at most 35 days old`;
  }
  if (eventTime > receivedAt + MAX_EVENT_LEAD_MS) {
    return `timestamp ${new Date(eventTime).toISOString()} is ${describeDistance(eventTime - receivedAt)} in the future; events may be at most 5 minutes ahead`;
  }
  return undefined;
}
