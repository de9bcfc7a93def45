import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { eventually, startContractTarget, stripeError, uniqueName, utcDayStart, type ContractTarget } from './support/stripe-contract';

const HOUR = 3600;
const DAY = 86_400;

describe('meter event summaries', () => {
  let target: ContractTarget;
  let customer: Stripe.Customer;
  const meters: Stripe.Billing.Meter[] = [];
  const dayStart = utcDayStart(3);

  async function meterWith(params: Partial<Stripe.Billing.MeterCreateParams>): Promise<Stripe.Billing.Meter> {
    const meter = await target.stripe.billing.meters.create({ display_name: 'Usage', event_name: uniqueName('usage'), default_aggregation: { formula: 'sum' }, ...params });
    meters.push(meter);
    return meter;
  }

  async function send(meter: Stripe.Billing.Meter, timestamp: number, value: string): Promise<string> {
    const identifier = randomUUID();
    await target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value }, identifier, timestamp });
    return identifier;
  }

  /** Summaries are eventually consistent: read until they show `expected` events' worth. */
  function summaries(meter: Stripe.Billing.Meter, params: Omit<Stripe.Billing.MeterListEventSummariesParams, 'customer'>, total: number) {
    return eventually(
      async () => (await target.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, ...params })).data,
      (data) => data.reduce((sum, summary) => sum + summary.aggregated_value, 0) === total,
    );
  }

  beforeAll(async () => {
    target = await startContractTarget();
    customer = await target.stripe.customers.create({ email: `${uniqueName('summary')}@example.com` });
  });

  afterAll(async () => {
    for (const meter of meters) await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('sums the values of a range into one summary', async () => {
    const meter = await meterWith({});
    await send(meter, dayStart + 10 * 60, '5');
    await send(meter, dayStart + 70 * 60, '7');
    await send(meter, dayStart + DAY + 60, '100');
    const [summary, ...rest] = await summaries(meter, { start_time: dayStart, end_time: dayStart + DAY }, 12);
    expect(rest).toHaveLength(0);
    expect(summary).toMatchObject({ object: 'billing.meter_event_summary', meter: meter.id, aggregated_value: 12, start_time: dayStart, end_time: dayStart + DAY });
  });

  it('groups by hour and by day', async () => {
    const meter = await meterWith({});
    await send(meter, dayStart + 10 * 60, '5');
    await send(meter, dayStart + 70 * 60, '7');
    await send(meter, dayStart + DAY + 60, '11');
    const hourly = await summaries(meter, { start_time: dayStart, end_time: dayStart + 2 * HOUR, value_grouping_window: 'hour' }, 12);
    expect(hourly.map(({ start_time, end_time, aggregated_value }) => ({ start_time, end_time, aggregated_value })).sort((a, b) => a.start_time - b.start_time)).toEqual([
      { start_time: dayStart, end_time: dayStart + HOUR, aggregated_value: 5 },
      { start_time: dayStart + HOUR, end_time: dayStart + 2 * HOUR, aggregated_value: 7 },
    ]);
    const daily = await summaries(meter, { start_time: dayStart, end_time: dayStart + 2 * DAY, value_grouping_window: 'day' }, 23);
    expect(daily.map((summary) => summary.aggregated_value).sort((a, b) => a - b)).toEqual([11, 12]);
  });

  it('counts events with the count formula, whatever their values', async () => {
    const meter = await meterWith({ default_aggregation: { formula: 'count' } });
    await send(meter, dayStart + 60, '40');
    await send(meter, dayStart + 120, '2');
    const [summary] = await summaries(meter, { start_time: dayStart, end_time: dayStart + HOUR }, 2);
    expect(summary?.aggregated_value).toBe(2);
  });

  it('takes the value with the latest timestamp with the last formula, not the last one sent', async () => {
    const meter = await meterWith({ default_aggregation: { formula: 'last' } });
    await send(meter, dayStart + 600, '30');
    await send(meter, dayStart + 60, '10');
    const [summary] = await summaries(meter, { start_time: dayStart, end_time: dayStart + HOUR }, 30);
    expect(summary?.aggregated_value).toBe(30);
  });

  it('keeps only the last event per window for a meter with an event time window', async () => {
    const meter = await meterWith({ event_time_window: 'hour' });
    await send(meter, dayStart + 60, '5');
    await send(meter, dayStart + 120, '8');
    await send(meter, dayStart + HOUR + 60, '3');
    const [summary] = await summaries(meter, { start_time: dayStart, end_time: dayStart + DAY }, 11);
    expect(summary?.aggregated_value).toBe(11);
  });

  it('leaves cancelled events out', async () => {
    const meter = await meterWith({});
    await send(meter, dayStart + 60, '4');
    const cancelled = await send(meter, dayStart + 120, '50');
    await target.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier: cancelled } });
    const [summary] = await summaries(meter, { start_time: dayStart, end_time: dayStart + HOUR }, 4);
    expect(summary?.aggregated_value).toBe(4);
  });

  it('refuses a start_time that is not on a minute boundary', async () => {
    const meter = await meterWith({});
    const error = await stripeError(target.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: dayStart + 30, end_time: dayStart + HOUR }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'start_time' });
  });

  it('refuses hourly grouping over a range that does not start on the hour', async () => {
    const meter = await meterWith({});
    const error = await stripeError(
      target.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: dayStart + 60, end_time: dayStart + 2 * HOUR, value_grouping_window: 'hour' }),
    );
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });
});
