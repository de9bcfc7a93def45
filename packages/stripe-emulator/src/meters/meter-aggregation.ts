import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import type { RecordedMeterEvent } from '../state/meter-event-ledger.js';

export const WINDOW_SECONDS = { hour: 3600, day: 86_400 } as const;
export type GroupingWindow = keyof typeof WINDOW_SECONDS;

function isGroupingWindow(value: string | null): value is GroupingWindow {
  return value === 'hour' || value === 'day';
}

export interface UsageWindow {
  start: number;
  end: number;
  value: bigint;
}

/** The later of two events: by timestamp, then by arrival. `events` come in arrival order. */
function latest(events: readonly RecordedMeterEvent[]): RecordedMeterEvent | undefined {
  return events.reduce<RecordedMeterEvent | undefined>((last, event) => (last === undefined || event.timestamp >= last.timestamp ? event : last), undefined);
}

/** With an `event_time_window`, Stripe keeps only the last event of each window (pre-aggregated usage). */
function applyEventTimeWindow(events: readonly RecordedMeterEvent[], meter: Stripe.Billing.Meter): RecordedMeterEvent[] {
  const window = meter.event_time_window;
  if (!isGroupingWindow(window)) return [...events];
  const byWindow = new Map<number, RecordedMeterEvent[]>();
  for (const event of events) {
    const key = Math.floor(event.timestamp / WINDOW_SECONDS[window]);
    const group = byWindow.get(key);
    if (group) group.push(event);
    else byWindow.set(key, [event]);
  }
  return [...byWindow.values()].map((group) => latest(group)).filter((event): event is RecordedMeterEvent => event !== undefined);
}

function applyFormula(events: readonly RecordedMeterEvent[], formula: string): bigint {
  if (formula === 'count') return BigInt(events.length);
  if (formula === 'last') return latest(events)?.value ?? 0n;
  return events.reduce((total, event) => total + event.value, 0n);
}

/** A meter's aggregate over events whose timestamps fall in [start, end); cancelled events never count. */
export function aggregate(events: readonly RecordedMeterEvent[], meter: Stripe.Billing.Meter, start: number, end: number): bigint {
  const inRange = events.filter((event) => !event.cancelled && event.timestamp >= start && event.timestamp < end);
  return applyFormula(applyEventTimeWindow(inRange, meter), meter.default_aggregation.formula);
}

/**
 * What Stripe would bill a customer on a meter for [start, end): the number an invoice line's
 * quantity comes from. Billing hooks call this when a test clock crosses a period end.
 */
export function meteredUsage(state: EmulatorState, meterId: string, customerId: string, start: number, end: number): bigint {
  // an event received less than the aggregation delay ago is not aggregated yet (a lagging line)
  const aggregatedBy = state.wallClock.nowSeconds() - state.meterAggregationDelaySeconds;
  const events = state.meterEvents.events({ meterId, customerId }).filter((event) => event.receivedAt <= aggregatedBy);
  return aggregate(events, state.meters.require(meterId), start, end);
}

/** One aggregate for the whole range, or one per hour/day window that holds events (oldest first). */
export function summarize(events: readonly RecordedMeterEvent[], meter: Stripe.Billing.Meter, start: number, end: number, grouping?: GroupingWindow): UsageWindow[] {
  if (!grouping) return [{ start, end, value: aggregate(events, meter, start, end) }];
  const size = WINDOW_SECONDS[grouping];
  const windowStarts = new Set<number>();
  for (const event of events) {
    if (!event.cancelled && event.timestamp >= start && event.timestamp < end) windowStarts.add(start + Math.floor((event.timestamp - start) / size) * size);
  }
  return [...windowStarts]
    .sort((a, b) => a - b)
    .map((from) => {
      const to = Math.min(from + size, end);
      return { start: from, end: to, value: aggregate(events, meter, from, to) };
    });
}
