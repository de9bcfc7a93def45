import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { emulatorOf, emulatorOnly, nowSeconds, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

const DAY = 86_400;

describe('meter events (v1)', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let customer: Stripe.Customer;

  function send(params: Partial<Stripe.Billing.MeterEventCreateParams> & { value?: string } = {}): Promise<Stripe.Billing.MeterEvent> {
    const { value = '1', ...rest } = params;
    return target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value }, identifier: randomUUID(), ...rest });
  }

  beforeAll(async () => {
    target = await startContractTarget();
    meter = await target.stripe.billing.meters.create({ display_name: 'Calls', event_name: uniqueName('calls'), default_aggregation: { formula: 'sum' } });
    customer = await target.stripe.customers.create({ email: `${uniqueName('usage')}@example.com` });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('records an event with its own timestamp and identifier', async () => {
    const identifier = randomUUID();
    const timestamp = nowSeconds() - 120;
    const event = await send({ identifier, timestamp, value: '25' });
    expect(event).toMatchObject({ object: 'billing.meter_event', event_name: meter.event_name, identifier, timestamp, payload: { stripe_customer_id: customer.id, value: '25' } });
  });

  it('refuses a second event with the same identifier with a 400 that says it already exists', async () => {
    const identifier = randomUUID();
    await send({ identifier });
    const error = await stripeError(send({ identifier }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(error.message).toMatch(new RegExp(`already exists with identifier ${identifier}`));
    expect(error.headers?.['stripe-should-retry']).toBe('false');
  });

  it('refuses a timestamp more than 35 days in the past', async () => {
    const error = await stripeError(send({ timestamp: nowSeconds() - 36 * DAY }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(error.message).toMatch(/past/);
  });

  it('accepts a timestamp 4 minutes ahead and refuses one 6 minutes ahead', async () => {
    await expect(send({ timestamp: nowSeconds() + 4 * 60 })).resolves.toMatchObject({ object: 'billing.meter_event' });
    const error = await stripeError(send({ timestamp: nowSeconds() + 6 * 60 }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(error.message).toMatch(/future/);
  });

  it('measures the timestamp window against the customer test clock', async () => {
    const frozen = nowSeconds() - 60 * DAY;
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const clocked = await target.stripe.customers.create({ test_clock: clock.id });
    const onClock = (timestamp: number) =>
      target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: clocked.id, value: '1' }, identifier: randomUUID(), timestamp });
    await expect(onClock(frozen - 10 * DAY)).resolves.toMatchObject({ timestamp: frozen - 10 * DAY });
    const error = await stripeError(onClock(nowSeconds()));
    expect(error).toMatchObject({ statusCode: 400 });
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('accepts whole numbers of up to 15 significant digits, negative ones included', async () => {
    await expect(send({ value: '-5' })).resolves.toMatchObject({ payload: { value: '-5' } });
    await expect(send({ value: '123456789012345' })).resolves.toMatchObject({ payload: { value: '123456789012345' } });
  });

  it('refuses a value that is not a whole number, or has more than 15 digits', async () => {
    for (const value of ['2.5', 'ten', '1234567890123456']) {
      const error = await stripeError(send({ value }));
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    }
  });

  it('refuses an event name no active meter listens to', async () => {
    const error = await stripeError(target.stripe.billing.meterEvents.create({ event_name: uniqueName('nobody'), payload: { stripe_customer_id: customer.id, value: '1' } }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(error.message).toMatch(/no active meter/i);
  });

  it('cancels an event by identifier with a meter event adjustment', async () => {
    const identifier = randomUUID();
    await send({ identifier, value: '9' });
    const adjustment = await target.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier } });
    expect(adjustment).toMatchObject({ object: 'billing.meter_event_adjustment', type: 'cancel', event_name: meter.event_name, cancel: { identifier } });
  });

  emulatorOnly('refuses to cancel an event received more than 24 hours ago', async () => {
    const identifier = randomUUID();
    await send({ identifier });
    emulatorOf(target).state.wallClock.advance(24 * 3600 + 60);
    try {
      const error = await stripeError(target.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier } }));
      expect(error).toMatchObject({ statusCode: 400, param: 'cancel[identifier]' });
      expect(error.message).toMatch(/24 hours/);
    } finally {
      emulatorOf(target).state.wallClock.advance(-(24 * 3600 + 60));
    }
  });
});
