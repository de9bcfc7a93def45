/** A price's recurring interval, as Stripe names it. */
export type BillingInterval = 'day' | 'week' | 'month' | 'year';

export interface Recurrence {
  interval: BillingInterval;
  intervalCount: number;
}

const DAY = 86_400;

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * The n-th period boundary after `anchor` (unix seconds). Months and years are counted from the
 * anchor itself, not from the previous boundary, so that a subscription anchored on the 31st
 * bills on Feb 28 (or 29) and then on Mar 31 again: Stripe clamps to the month's last day
 * without losing the anchor day. Times of day are kept, in UTC.
 */
export function periodBoundary(anchor: number, recurrence: Recurrence, n: number): number {
  const { interval, intervalCount } = recurrence;
  if (interval === 'day') return anchor + n * intervalCount * DAY;
  if (interval === 'week') return anchor + n * intervalCount * 7 * DAY;
  const start = new Date(anchor * 1000);
  const months = n * intervalCount * (interval === 'year' ? 12 : 1);
  const monthIndex = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()) / 1000;
}

/** The first boundary strictly after `time`: where the period that contains `time` ends. */
export function periodEndAfter(anchor: number, recurrence: Recurrence, time: number): number {
  // before the anchor (a trial still running) the current period ends at the anchor
  if (time < anchor) return anchor;
  // boundaries grow monotonically; start from an estimate and walk, never more than a few steps
  const approximateLength = { day: DAY, week: 7 * DAY, month: 28 * DAY, year: 365 * DAY }[recurrence.interval] * recurrence.intervalCount;
  let n = Math.max(1, Math.floor((time - anchor) / approximateLength) - 1);
  while (n > 1 && periodBoundary(anchor, recurrence, n - 1) > time) n -= 1;
  while (periodBoundary(anchor, recurrence, n) <= time) n += 1;
  return periodBoundary(anchor, recurrence, n);
}
