import type Stripe from 'stripe';
import type { RecordedMeterEvent } from '../state/meter-event-ledger';
import { aggregate, summarize } from './meter-aggregation';

const HOUR = 3600;

function meter(formula: 'sum' | 'count' | 'last', eventTimeWindow: 'hour' | 'day' | null = null): Stripe.Billing.Meter {
  return {
    id: 'mtr_test',
    object: 'billing.meter',
    created: 0,
    customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
    default_aggregation: { formula },
    display_name: 'Test',
    event_name: 'test',
    event_time_window: eventTimeWindow,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: 0,
    value_settings: { event_payload_key: 'value' },
  };
}

let sequence = 0;
function event(timestamp: number, value: number, cancelled = false): RecordedMeterEvent {
  sequence += 1;
  return { identifier: `e${sequence}`, eventName: 'test', meterId: 'mtr_test', customerId: 'cus_test', value: BigInt(value), timestamp, receivedAt: sequence, payload: {}, cancelled };
}

describe('meter aggregation', () => {
  it('sums the events of [start, end): the end is exclusive and cancelled events never count', () => {
    const events = [event(0, 2), event(HOUR - 1, 3), event(HOUR, 100), event(10, 50, true)];
    expect(aggregate(events, meter('sum'), 0, HOUR)).toBe(5n);
  });

  it('counts events whatever their values', () => {
    expect(aggregate([event(1, 40), event(2, -3)], meter('count'), 0, HOUR)).toBe(2n);
  });

  it('takes the latest timestamp for last, and the later arrival among equal timestamps', () => {
    expect(aggregate([event(50, 7), event(10, 9)], meter('last'), 0, HOUR)).toBe(7n);
    expect(aggregate([event(50, 7), event(50, 8)], meter('last'), 0, HOUR)).toBe(8n);
    expect(aggregate([], meter('last'), 0, HOUR)).toBe(0n);
  });

  it('keeps only the last event of each event time window before applying the formula', () => {
    const events = [event(60, 5), event(120, 8), event(HOUR + 60, 3)];
    expect(aggregate(events, meter('sum', 'hour'), 0, 2 * HOUR)).toBe(11n);
    expect(aggregate(events, meter('sum', 'day'), 0, 2 * HOUR)).toBe(3n);
  });

  it('handles values beyond the range of a double exactly', () => {
    expect(aggregate([event(1, 999_999_999_999_999), event(2, 999_999_999_999_999)], meter('sum'), 0, HOUR)).toBe(1_999_999_999_999_998n);
  });

  it('summarizes per hour only the windows that hold events, oldest first', () => {
    const events = [event(2 * HOUR + 5, 4), event(10, 1), event(20, 2)];
    expect(summarize(events, meter('sum'), 0, 3 * HOUR, 'hour')).toEqual([
      { start: 0, end: HOUR, value: 3n },
      { start: 2 * HOUR, end: 3 * HOUR, value: 4n },
    ]);
    expect(summarize(events, meter('sum'), 0, 3 * HOUR)).toEqual([{ start: 0, end: 3 * HOUR, value: 7n }]);
  });
});
