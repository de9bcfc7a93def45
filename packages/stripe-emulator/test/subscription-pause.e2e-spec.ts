import type Stripe from 'stripe';
import { advanceClock, clockedCustomer, itemOf, meteredPlan, type MeteredPlan } from './support/billing-fixtures';
import { eventually, nowSeconds, startContractTarget, stripeError, type ContractTarget } from './support/stripe-contract';

const DAY = 86_400;

/** A trial that ends without a payment method pauses when `trial_settings` say so; resuming starts a new period. */
describe('paused and resumed subscriptions', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;

  const eventsOf = async (type: string, subscriptionId: string): Promise<Stripe.Event[]> =>
    (await target.stripe.events.list({ type, limit: 100 })).data.filter((event) => (event.data.object as { id?: string }).id === subscriptionId);

  beforeAll(async () => {
    target = await startContractTarget();
    plan = await meteredPlan(target);
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(plan.meter.id);
    await target.close();
  });

  it('pauses at the end of the trial (customer.subscription.paused) and resumes on request (customer.subscription.resumed)', async () => {
    const start = nowSeconds() - DAY;
    const { clock, customer } = await clockedCustomer(target, start);
    const subscription = await target.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: plan.price.id }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    expect(subscription).toMatchObject({ status: 'trialing', trial_settings: { end_behavior: { missing_payment_method: 'pause' } } });
    await advanceClock(target, clock.id, start + 4 * DAY);
    expect(await target.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'paused' });
    expect(await eventually(() => eventsOf('customer.subscription.paused', subscription.id), (events) => events.length === 1)).toHaveLength(1);
    const updated = await eventsOf('customer.subscription.updated', subscription.id);
    expect(updated.some((event) => (event.data.previous_attributes as { status?: string } | undefined)?.status === 'trialing')).toBe(true);

    const resumed = await target.stripe.subscriptions.resume(subscription.id, { billing_cycle_anchor: { type: 'now' } });
    expect(resumed).toMatchObject({ status: 'active', billing_cycle_anchor: start + 4 * DAY });
    expect(itemOf(resumed, plan.price.id)).toMatchObject({ current_period_start: start + 4 * DAY });
    expect(await eventually(() => eventsOf('customer.subscription.resumed', subscription.id), (events) => events.length === 1)).toHaveLength(1);
    expect(await stripeError(target.stripe.subscriptions.resume(subscription.id))).toMatchObject({ statusCode: 400 });
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });
});
