/**
 * Stripe refuses a meter event value of more than 15 significant digits
 * (`meter_event_value_too_many_digits`), but a report may carry more: an event may hold up to
 * 999,999,999,999,999 units and a window sums many events. Such a report goes to Stripe as several
 * meter events, each within the limit, that add up to the report's units.
 */
export const MAX_METER_EVENT_VALUE = 999_999_999_999_999n;

import { partIdentifier } from './report-identifier.js';

/** One meter event of a report. */
export interface MeterEventPart {
  identifier: string;
  value: string;
}

/**
 * Parts are named by partIdentifier from the report's identifier and units, which never change, so
 * a resend after a crash names the same events and Stripe de-duplicates them.
 * `units` (a whole number, negative for a correction that lowers usage) cut into as few values of
 * at most MAX_METER_EVENT_VALUE as possible, all with the sign of `units`; zero is one event of 0.
 */
export function meterEventParts(identifier: string, units: string): MeterEventPart[] {
  const total = BigInt(units);
  const sign = total < 0n ? -1n : 1n;
  let remaining = total * sign;
  const values: bigint[] = [];
  do {
    const value = remaining > MAX_METER_EVENT_VALUE ? MAX_METER_EVENT_VALUE : remaining;
    values.push(value * sign);
    remaining -= value;
  } while (remaining > 0n);
  return values.map((value, part) => ({ identifier: partIdentifier(identifier, part), value: value.toString() }));
}
