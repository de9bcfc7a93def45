/**
 * The meter event identifier of a report, defined here once for TypeScript, SQL and the pattern
 * that recognises it: `mbr_<customer id>_<meter id>_<window start>_<sequence>` with both ids as 32
 * hex digits (their UUIDs without dashes) and the window start in unix microseconds (timestamptz's
 * own resolution, so two windows never share it), e.g. `mbr_3f…e1_9a…07_1764072000000000_0`
 * (88–92 characters; Stripe allows 100). A report sent as several meter events (beyond Stripe's
 * 15 digits, meter-event-parts.ts) names part k > 0 `<identifier>_p<k>`.
 *
 * It is derived only from what the report is (whose usage, which meter, which window, which
 * report of that window), never from the clock, so a resend after a crash carries the same
 * identifier and Stripe de-duplicates it. Sequence 0 is a window's first report; usage claimed
 * after that window was reported gets 1, 2, …. The unique (customer, meter, window_start,
 * sequence) constraint makes it unique, so it is not stored.
 */
const PREFIX = 'mbr_';
const PART_SUFFIX = '_p';

export function reportIdentifier(customerId: string, meterId: string, windowStart: Date, sequence: number): string {
  const hex = (uuid: string) => uuid.replaceAll('-', '');
  return `${PREFIX}${hex(customerId)}_${hex(meterId)}_${windowStart.getTime() * 1000}_${sequence}`;
}

/** The same identifier computed in SQL from the columns of `table` (a usage_reports row). */
export function identifierOf(table: string): string {
  return `('${PREFIX}' || replace(${table}.customer_id::text, '-', '') || '_' || replace(${table}.meter_id::text, '-', '') || '_'
          || floor(extract(epoch FROM ${table}.window_start) * 1000000)::bigint || '_' || ${table}.sequence)`;
}

/** A report's identifier, or one of its parts' (a POSIX regular expression, for SQL's `~`). */
export const REPORT_IDENTIFIER_PATTERN = `^${PREFIX}[0-9a-f]{32}_[0-9a-f]{32}_[0-9]{1,18}_[0-9]{1,9}(${PART_SUFFIX}[0-9]{1,6})?$`;

/** Part `part` of a report's meter events: part 0 keeps the report's own identifier. */
export function partIdentifier(identifier: string, part: number): string {
  return part === 0 ? identifier : `${identifier}${PART_SUFFIX}${part}`;
}
