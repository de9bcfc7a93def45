import { clockedCustomer, itemOf, lineOf, meteredPlan, usage, type MeteredPlan } from './support/billing-fixtures';
import { eventually, nowSeconds, startContractTarget, stripeError, type ContractTarget } from './support/stripe-contract';

const HOUR = 3600;

describe('the upcoming invoice and removing a subscription item', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;
  let other: MeteredPlan;

  beforeAll(async () => {
    target = await startContractTarget();
    plan = await meteredPlan(target, { unitAmountDecimal: '5' });
    other = await meteredPlan(target, { unitAmountDecimal: '2' });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(plan.meter.id);
    await target.stripe.billing.meters.deactivate(other.meter.id);
    await target.close();
  });

  it('previews the invoice the current period will close with, metered usage so far included', async () => {
    const start = nowSeconds() - 2 * HOUR;
    const { clock, customer } = await clockedCustomer(target, start);
    const subscription = await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }] });
    await usage(target, plan, customer.id, 3, start + 60);
    await usage(target, plan, customer.id, 4, start + 120);
    const preview = await eventually(
      () => target.stripe.invoices.createPreview({ customer: customer.id, subscription: subscription.id }),
      (invoice) => lineOf(invoice, plan.price.id).quantity === 7,
    );
    const item = itemOf(subscription, plan.price.id);
    expect(preview).toMatchObject({ object: 'invoice', billing_reason: 'upcoming', customer: customer.id, status: 'draft', period_end: item.current_period_end });
    expect(preview.id).toMatch(/^upcoming_/);
    expect(lineOf(preview, plan.price.id)).toMatchObject({ quantity: 7, amount: 35, period: { start: item.current_period_start, end: item.current_period_end } });
    // a preview is not an invoice of the customer's
    expect((await target.stripe.invoices.list({ customer: customer.id })).data.map((invoice) => invoice.id)).not.toContain(preview.id);
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('removes an item from a subscription, and refuses to remove the last one', async () => {
    const { clock, customer } = await clockedCustomer(target, nowSeconds() - HOUR);
    const subscription = await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }, { price: other.price.id }] });
    const removed = itemOf(subscription, other.price.id);
    await expect(target.stripe.subscriptionItems.del(removed.id)).resolves.toMatchObject({ id: removed.id, object: 'subscription_item', deleted: true });
    const after = await target.stripe.subscriptions.retrieve(subscription.id);
    expect(after.items.data.map((item) => item.price.id)).toEqual([plan.price.id]);
    expect(await stripeError(target.stripe.subscriptionItems.retrieve(removed.id))).toMatchObject({ statusCode: 404 });
    const last = await stripeError(target.stripe.subscriptionItems.del(itemOf(after, plan.price.id).id));
    expect(last).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });
});
