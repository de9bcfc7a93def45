import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { advanceClock, clockedCustomer, lineOf, meteredPlan, usage, type MeteredPlan } from './support/billing-fixtures';
import { emulatorOf, emulatorOnly, eventually, startContractTarget, stripeError, uniqueName, utcDayStart, type ContractTarget } from './support/stripe-contract';

const HOUR = 3600;
const DAY = 86_400;

/** Meter event adjustments (v1 and v2) and negative values: Stripe's rules for correcting usage. */
describe('meter event adjustments and negative values', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let customer: Stripe.Customer;
  const hour = utcDayStart(1) + 3 * HOUR;

  async function send(value: string, identifier = randomUUID()): Promise<string> {
    await target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value }, identifier, timestamp: hour + 60 });
    return identifier;
  }

  const cancelV1 = (identifier: string) => target.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier } });
  const cancelV2 = (identifier: string) => target.stripe.v2.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier } });

  /** The customer's total in the test hour once Stripe shows `expected` (summaries are eventually consistent). */
  const totalIs = async (expected: number) => {
    const read = async () => (await target.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: hour, end_time: hour + HOUR })).data[0]?.aggregated_value ?? 0;
    return eventually(read, (total) => total === expected);
  };

  beforeAll(async () => {
    target = await startContractTarget();
    meter = await target.stripe.billing.meters.create({ display_name: 'Calls', event_name: uniqueName('adjusted'), default_aggregation: { formula: 'sum' } });
    customer = await target.stripe.customers.create({ email: `${uniqueName('adjust')}@example.com` });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('v1 and v2 cancels take an event out of the summaries; a repeated cancel succeeds and changes nothing more', async () => {
    await send('100');
    const viaV1 = await send('10');
    const viaV2 = await send('1');
    expect(await totalIs(111)).toBe(111);

    await expect(cancelV1(viaV1)).resolves.toMatchObject({ object: 'billing.meter_event_adjustment', type: 'cancel', cancel: { identifier: viaV1 } });
    const v2 = await cancelV2(viaV2);
    expect(v2).toMatchObject({ object: 'v2.billing.meter_event_adjustment', type: 'cancel', event_name: meter.event_name, cancel: { identifier: viaV2 } });
    expect(typeof v2.id).toBe('string');
    expect(await totalIs(100)).toBe(100);

    await expect(cancelV1(viaV1)).resolves.toMatchObject({ cancel: { identifier: viaV1 } });
    await expect(cancelV2(viaV1)).resolves.toMatchObject({ cancel: { identifier: viaV1 } });
    expect(await totalIs(100)).toBe(100);
  });

  it('refuses to cancel an identifier it never received, or one sent under another event name, with a 400 (v1 and v2)', async () => {
    const unknown = randomUUID();
    expect(await stripeError(cancelV1(unknown))).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(await stripeError(cancelV2(unknown))).toMatchObject({ statusCode: 400 });
    const identifier = await send('3');
    const otherName = target.stripe.billing.meterEventAdjustments.create({ event_name: uniqueName('other'), type: 'cancel', cancel: { identifier } });
    expect(await stripeError(otherName)).toMatchObject({ statusCode: 400 });
  });

  emulatorOnly('refuses a cancel more than 24 hours after receiving the event, while a cancelled event stays cancelled', async () => {
    const old = await send('7');
    const cancelledEarly = await send('8');
    await cancelV1(cancelledEarly);
    // the control API ages both events by a day and a minute (the wall clock sessions use stays put)
    for (const identifier of [old, cancelledEarly]) {
      const aged = await fetch(`${target.baseUrl}/_emulator/meter_events/age`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: DAY + 60, identifier }) });
      expect(await aged.json()).toEqual({ aged: 1 });
    }
    const v1 = await stripeError(cancelV1(old));
    expect(v1).toMatchObject({ statusCode: 400, param: 'cancel[identifier]' });
    expect(v1.message).toMatch(/24 hours/);
    expect(await stripeError(cancelV2(old))).toMatchObject({ statusCode: 400 });
    await expect(cancelV1(cancelledEarly)).resolves.toMatchObject({ cancel: { identifier: cancelledEarly } });
    expect(emulatorOf(target).state.meterEvents.get(old)?.cancelled).toBe(false);
  });

  it('accepts negative values on a sum meter: they lower the total', async () => {
    const negative = await target.stripe.billing.meters.create({ display_name: 'Net', event_name: uniqueName('net'), default_aggregation: { formula: 'sum' } });
    const net = (value: string) =>
      target.stripe.billing.meterEvents.create({ event_name: negative.event_name, payload: { stripe_customer_id: customer.id, value }, identifier: randomUUID(), timestamp: hour + 120 });
    await net('50');
    await net('-20');
    const total = await eventually(
      async () => (await target.stripe.billing.meters.listEventSummaries(negative.id, { customer: customer.id, start_time: hour, end_time: hour + HOUR })).data[0]?.aggregated_value,
      (value) => value === 30,
    );
    expect(total).toBe(30);
    await target.stripe.billing.meters.deactivate(negative.id);
  });

  it('refuses a negative value of more than 15 significant digits, as a positive one', async () => {
    for (const value of ['-1234567890123456', '1000000000000000']) {
      expect(await stripeError(send(value))).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    }
  });

  describe('on the invoice', () => {
    /** Jan 31, noon UTC: the first period ends Feb 28. */
    const ANCHOR = Date.UTC(2026, 0, 31, 12) / 1000;
    const FEB_28 = Date.UTC(2026, 1, 28, 12) / 1000;
    let plan: MeteredPlan;

    beforeAll(async () => {
      plan = await meteredPlan(target, { unitAmountDecimal: '2' });
    });
    afterAll(() => target.stripe.billing.meters.deactivate(plan.meter.id));

    async function billedPeriod(send: (customerId: string) => Promise<void>): Promise<Stripe.InvoiceLineItem> {
      const { clock, customer: clocked } = await clockedCustomer(target, ANCHOR);
      const subscription = await target.stripe.subscriptions.create({ customer: clocked.id, items: [{ price: plan.price.id }], payment_behavior: 'default_incomplete' });
      await advanceClock(target, clock.id, FEB_28 - 120);
      await send(clocked.id);
      await advanceClock(target, clock.id, FEB_28 + 60);
      const invoices = await target.stripe.invoices.list({ subscription: subscription.id, limit: 100 });
      const cycle = invoices.data.find((invoice) => invoice.billing_reason === 'subscription_cycle');
      if (!cycle) throw new Error('no cycle invoice');
      const line = lineOf(cycle, plan.price.id);
      await target.stripe.testHelpers.testClocks.del(clock.id);
      return line;
    }

    it('leaves a cancelled event off the invoice', async () => {
      const line = await billedPeriod(async (customerId) => {
        await usage(target, plan, customerId, 7, FEB_28 - DAY);
        const mistake = await usage(target, plan, customerId, 1000, FEB_28 - DAY + 10);
        await target.stripe.billing.meterEventAdjustments.create({ event_name: plan.meter.event_name, type: 'cancel', cancel: { identifier: mistake.identifier } });
      });
      expect(line).toMatchObject({ quantity: 7, amount: 14 });
    });

    it('bills 0 for a period whose total is negative', async () => {
      const line = await billedPeriod(async (customerId) => {
        await usage(target, plan, customerId, 5, FEB_28 - DAY);
        await usage(target, plan, customerId, -12, FEB_28 - DAY + 10);
      });
      expect(line).toMatchObject({ quantity: 0, amount: 0 });
    });
  });
});
