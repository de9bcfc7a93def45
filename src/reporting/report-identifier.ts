/**
 * The meter event identifier of a report: `mbr_<customer id>_<meter id>_<window start>_<sequence>`
 * with both ids as 32 hex digits (their UUIDs without dashes) and the window start in unix
 * microseconds (timestamptz's own resolution, so two windows never share it), e.g.
 * `mbr_3f…e1_9a…07_1764072000000000_0` (88–92 characters; Stripe allows 100).
 *
 * It is derived only from what the report is (whose usage, which meter, which window, which
 * report of that window), never from the clock, so a resend after a crash carries the same
 * identifier and Stripe de-duplicates it. Sequence 0 is a window's first report; usage claimed
 * after that window was reported gets 1, 2, …. The SQL computes the same string from a report's
 * columns (report-claim.sql.ts, identifierOf); this function documents and tests the rule.
 */
export function reportIdentifier(customerId: string, meterId: string, windowStart: Date, sequence: number): string {
  const hex = (uuid: string) => uuid.replaceAll('-', '');
  return `mbr_${hex(customerId)}_${hex(meterId)}_${windowStart.getTime() * 1000}_${sequence}`;
}
