import Stripe from 'stripe';
import { advanceClock, clockedCustomer, lineOf, meteredPlan, usage, type MeteredPlan } from './support/billing-fixtures';
import { emulatorControl, emulatorOnly, startContractTarget, type ContractTarget } from './support/stripe-contract';

const ANCHOR = Date.UTC(2026, 0, 31, 12) / 1000;
const FEB_28 = Date.UTC(2026, 1, 28, 12) / 1000;
const HOUR = 3600;

/**
 * What invoice verification needs from Stripe: a draft whose metered lines follow the meter events
 * Stripe has aggregated so far, `auto_advance: false` keeping a draft from finalizing, and the
 * emulator's controls to make a line lag or to put usage on the meter that the service never sent.
 */
describe('draft invoices held and released', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;
  const control = <T>(method: string, path: string, body?: unknown) => emulatorControl<T>(target, method, path, body);

  /** A customer on a clock with usage of 10 in its first period, advanced just past the period end (a draft exists). */
  async function draftWithUsage(): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer; invoice: Stripe.Invoice }> {
    const { clock, customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }], payment_behavior: 'default_incomplete' });
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 10, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 60);
    const invoices = await target.stripe.invoices.list({ subscription: subscription.id, status: 'draft' });
    const [invoice] = invoices.data;
    if (!invoice) throw new Error('no draft invoice after the period end');
    return { clock, customer, invoice };
  }

  beforeAll(async () => {
    target = await startContractTarget();
    plan = await meteredPlan(target, { unitAmountDecimal: '2' });
  });

  afterEach(async () => {
    await control('POST', '/meter_aggregation', { delay_seconds: 0 });
  });

  afterAll(async () => {
    await target.close();
  });

  emulatorOnly('a draft with auto_advance off is not finalized when its clock passes the grace period; turned back on, it finalizes', async () => {
    const { clock, invoice } = await draftWithUsage();
    expect(invoice).toMatchObject({ auto_advance: true, automatically_finalizes_at: FEB_28 + HOUR });

    const held = await target.stripe.invoices.update(invoice.id, { auto_advance: false });
    expect(held).toMatchObject({ status: 'draft', auto_advance: false, automatically_finalizes_at: null });
    await advanceClock(target, clock.id, FEB_28 + 3 * HOUR);
    expect(await target.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'draft', auto_advance: false });

    // its due time has passed: it finalizes at the clock's next step
    const released = await target.stripe.invoices.update(invoice.id, { auto_advance: true });
    expect(released).toMatchObject({ status: 'draft', auto_advance: true, automatically_finalizes_at: FEB_28 + 3 * HOUR });
    await advanceClock(target, clock.id, FEB_28 + 3 * HOUR + 60);
    const finalized = await target.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(lineOf(finalized, plan.price.id).quantity).toBe(10);
  });

  emulatorOnly('a held draft can be finalized explicitly', async () => {
    const { invoice } = await draftWithUsage();
    await target.stripe.invoices.update(invoice.id, { auto_advance: false });
    const finalized = await target.stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(finalized).toMatchObject({ automatically_finalizes_at: null, number: expect.any(String) });
  });

  emulatorOnly('turning auto_advance back on before the due time keeps the original schedule', async () => {
    const { invoice } = await draftWithUsage();
    await target.stripe.invoices.update(invoice.id, { auto_advance: false });
    const resumed = await target.stripe.invoices.update(invoice.id, { auto_advance: true });
    expect(resumed).toMatchObject({ auto_advance: true, automatically_finalizes_at: FEB_28 + HOUR });
  });

  emulatorOnly('with an aggregation delay, a line lags behind the events until the delay has passed on the wall clock', async () => {
    expect(await control('POST', '/meter_aggregation', { delay_seconds: 600 })).toMatchObject({ status: 200, body: { delay_seconds: 600 } });
    const { invoice } = await draftWithUsage();
    expect(lineOf(invoice, plan.price.id).quantity).toBe(0);
    await control('POST', '/wall_clock/advance', { seconds: 601 });
    expect(lineOf(await target.stripe.invoices.retrieve(invoice.id), plan.price.id)).toMatchObject({ quantity: 10, amount: 20 });
  });

  emulatorOnly('an injected meter event the service never sent shows on the draft', async () => {
    const { customer, invoice } = await draftWithUsage();
    const injected = await control<{ identifier: string }>('POST', '/meter_events/inject', { event_name: plan.meter.event_name, customer: customer.id, value: 5, timestamp: FEB_28 - 100 });
    expect(injected).toMatchObject({ status: 200, body: { identifier: expect.stringMatching(/^injected_/), value: '5', timestamp: FEB_28 - 100 } });
    expect(lineOf(await target.stripe.invoices.retrieve(invoice.id), plan.price.id)).toMatchObject({ quantity: 15, amount: 30 });
  });

  emulatorOnly('refuses to inject for an unknown event name, and an unknown delay setting', async () => {
    const { customer } = await draftWithUsage();
    expect(await control('POST', '/meter_events/inject', { event_name: 'nope', customer: customer.id, value: 1 })).toMatchObject({ status: 400, body: { error: { param: 'event_name' } } });
    expect(await control('POST', '/meter_aggregation', { delay_seconds: -1 })).toMatchObject({ status: 400, body: { error: { param: 'delay_seconds' } } });
  });
});
