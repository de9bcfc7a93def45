import Stripe from 'stripe';
import { advanceClock, clockedCustomer, itemOf, lineOf, meteredPlan, usage, type MeteredPlan } from './support/billing-fixtures';
import { emulatorOnly, nowSeconds, startContractTarget, stripeError, type ContractTarget } from './support/stripe-contract';

const DAY = 86_400;
/** Mar 15, 09:30:05 UTC: one month later is Apr 15 at the same time of day. */
const ANCHOR = Date.UTC(2026, 2, 15, 9, 30, 5) / 1000;
const APR_15 = Date.UTC(2026, 3, 15, 9, 30, 5) / 1000;

describe('subscriptions, subscription items and invoices', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;
  let second: MeteredPlan;
  let licensed: Stripe.Price;

  function subscribe(customer: string, params: Partial<Stripe.SubscriptionCreateParams> = {}): Promise<Stripe.Subscription> {
    return target.stripe.subscriptions.create({
      customer,
      items: [{ price: plan.price.id }],
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice.confirmation_secret'],
      ...params,
    });
  }

  function latestInvoice(subscription: Stripe.Subscription): Stripe.Invoice {
    if (!subscription.latest_invoice || typeof subscription.latest_invoice === 'string') throw new Error('latest_invoice was not expanded');
    return subscription.latest_invoice;
  }

  beforeAll(async () => {
    target = await startContractTarget();
    plan = await meteredPlan(target);
    second = await meteredPlan(target, { formula: 'count', unitAmountDecimal: '2' });
    licensed = await target.stripe.prices.create({ product: plan.product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } });
  });

  afterAll(async () => {
    for (const meter of [plan.meter, second.meter]) await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('starts a metered-only subscription active: its first invoice is $0, paid, and has no confirmation secret', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    expect(subscription).toMatchObject({ object: 'subscription', status: 'active', customer: customer.id, billing_cycle_anchor: ANCHOR, start_date: ANCHOR, cancel_at_period_end: false });
    expect(subscription.id).toMatch(/^sub_/);
    expect(subscription).not.toHaveProperty('current_period_end');
    const item = itemOf(subscription, plan.price.id);
    expect(item).toMatchObject({ object: 'subscription_item', subscription: subscription.id, current_period_start: ANCHOR, current_period_end: APR_15 });
    expect(item.price.recurring).toMatchObject({ usage_type: 'metered', meter: plan.meter.id });
    expect(item.quantity).toBeUndefined();
    const invoice = latestInvoice(subscription);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_create', status: 'paid', total: 0, amount_due: 0, confirmation_secret: null });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
  });

  it('leaves a subscription whose first invoice asks for money incomplete, with the client secret of that invoice', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id, { items: [{ price: licensed.id }, { price: plan.price.id }] });
    expect(subscription.status).toBe('incomplete');
    const invoice = latestInvoice(subscription);
    expect(invoice).toMatchObject({ status: 'open', amount_due: 1500, billing_reason: 'subscription_create' });
    expect(invoice.confirmation_secret?.client_secret).toMatch(/^pi_\w+_secret_\w+$/);
    expect(lineOf(invoice, licensed.id)).toMatchObject({ quantity: 1, amount: 1500, period: { start: ANCHOR, end: APR_15 } });
  });

  emulatorOnly('activates an incomplete subscription once its first invoice is paid', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id, { items: [{ price: licensed.id }] });
    await target.stripe.invoices.pay(latestInvoice(subscription).id);
    expect((await target.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('starts a trial as trialing; the period runs to the trial end, which anchors the billing cycle', async () => {
    const { clock, customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id, { trial_period_days: 14 });
    const trialEnd = ANCHOR + 14 * DAY;
    expect(subscription).toMatchObject({ status: 'trialing', trial_start: ANCHOR, trial_end: trialEnd, billing_cycle_anchor: trialEnd });
    expect(itemOf(subscription, plan.price.id)).toMatchObject({ current_period_start: ANCHOR, current_period_end: trialEnd });
    expect(latestInvoice(subscription)).toMatchObject({ status: 'paid', total: 0 });

    await advanceClock(target, clock.id, ANCHOR + 2 * DAY);
    await usage(target, plan, customer.id, 9, ANCHOR + DAY);
    await advanceClock(target, clock.id, trialEnd + 2 * 3600);
    const active = await target.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect(itemOf(active, plan.price.id)).toMatchObject({ current_period_start: trialEnd, current_period_end: Date.UTC(2026, 3, 29, 9, 30, 5) / 1000 });
    const trialInvoice = (await target.stripe.invoices.list({ subscription: subscription.id })).data.find((invoice) => invoice.billing_reason === 'subscription_cycle');
    // usage during the free trial is recorded but not charged
    expect(lineOf(trialInvoice as Stripe.Invoice, plan.price.id)).toMatchObject({ quantity: 9, amount: 0 });
  });

  it('retrieves, and lists by customer and status: canceled subscriptions only when asked for', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const live = await subscribe(customer.id);
    const gone = await subscribe(customer.id, { items: [{ price: second.price.id }] });
    await target.stripe.subscriptions.cancel(gone.id);
    expect((await target.stripe.subscriptions.retrieve(live.id)).id).toBe(live.id);
    const ids = async (params: Stripe.SubscriptionListParams) => (await target.stripe.subscriptions.list({ customer: customer.id, ...params })).data.map((listed) => listed.id);
    expect(await ids({})).toEqual([live.id]);
    expect(await ids({ status: 'canceled' })).toEqual([gone.id]);
    expect((await ids({ status: 'all' })).sort()).toEqual([live.id, gone.id].sort());
    expect(await ids({ status: 'past_due' })).toEqual([]);
  });

  it('adds a price to a running subscription: the new item joins the current period from now', async () => {
    const { clock, customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    const later = ANCHOR + 10 * DAY;
    await advanceClock(target, clock.id, later);
    const updated = await target.stripe.subscriptions.update(subscription.id, { items: [{ price: second.price.id }], proration_behavior: 'none' });
    expect(itemOf(updated, second.price.id)).toMatchObject({ current_period_start: later, current_period_end: APR_15 });
    expect(itemOf(updated, plan.price.id)).toMatchObject({ current_period_start: ANCHOR, current_period_end: APR_15 });

    // usage of the new meter from before it was added is not billed on it
    await advanceClock(target, clock.id, later + 3 * DAY);
    await usage(target, second, customer.id, 1, ANCHOR + DAY);
    await usage(target, second, customer.id, 1, later + DAY);
    await usage(target, second, customer.id, 1, later + 2 * DAY);
    await advanceClock(target, clock.id, APR_15 + 2 * 3600);
    const cycle = (await target.stripe.invoices.list({ subscription: subscription.id })).data.find((invoice) => invoice.billing_reason === 'subscription_cycle');
    expect(lineOf(cycle as Stripe.Invoice, second.price.id)).toMatchObject({ quantity: 2, amount: 4, period: { start: later, end: APR_15 } });
  });

  it('creates, retrieves and lists subscription items', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    const item = await target.stripe.subscriptionItems.create({ subscription: subscription.id, price: second.price.id, proration_behavior: 'none' });
    expect(item).toMatchObject({ object: 'subscription_item', subscription: subscription.id, price: { id: second.price.id }, current_period_end: APR_15 });
    expect(await target.stripe.subscriptionItems.retrieve(item.id)).toMatchObject({ id: item.id, price: { id: second.price.id } });
    const listed = await target.stripe.subscriptionItems.list({ subscription: subscription.id });
    expect(listed.data.map((candidate) => candidate.price.id).sort()).toEqual([plan.price.id, second.price.id].sort());
  });

  it('refuses the same price twice on one subscription', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    const error = await stripeError(target.stripe.subscriptions.update(subscription.id, { items: [{ price: plan.price.id }] }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });

  it('refuses a one-time price, an unknown customer, and a subscription without items', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const oneTime = await target.stripe.prices.create({ product: plan.product.id, currency: 'usd', unit_amount: 100 });
    expect(await stripeError(subscribe(customer.id, { items: [{ price: oneTime.id }] }))).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
    expect(await stripeError(subscribe('cus_doesnotexist'))).toMatchObject({ statusCode: 400, param: 'customer', code: 'resource_missing' });
    expect(await stripeError(subscribe(customer.id, { items: [] }))).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });

  it('schedules the cancellation at the period end, and unschedules it', async () => {
    const { customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    expect(await target.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true })).toMatchObject({ cancel_at_period_end: true, cancel_at: APR_15, canceled_at: ANCHOR, status: 'active' });
    expect(await target.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false })).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
  });

  it('lists invoices by customer, subscription and status; finalizing twice is refused as Stripe does', async () => {
    const { clock, customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await subscribe(customer.id);
    await advanceClock(target, clock.id, APR_15 + 60);
    const drafts = await target.stripe.invoices.list({ customer: customer.id, status: 'draft' });
    expect(drafts.data).toHaveLength(1);
    const [draft] = drafts.data;
    expect((await target.stripe.invoices.list({ subscription: subscription.id })).data.map((invoice) => invoice.billing_reason).sort()).toEqual(['subscription_create', 'subscription_cycle']);

    const lines = await target.stripe.invoices.listLineItems(draft?.id ?? '');
    expect(lines.data.map((line) => [line.pricing?.price_details?.price, line.quantity, line.amount])).toEqual([[plan.price.id, 0, 0]]);

    const finalized = await target.stripe.invoices.finalizeInvoice(draft?.id ?? '', { auto_advance: false });
    expect(finalized).toMatchObject({ status: 'paid', total: 0 });
    const again = await stripeError(target.stripe.invoices.finalizeInvoice(draft?.id ?? ''));
    expect(again).toMatchObject({ statusCode: 400, message: "This invoice is already finalized, you can't re-finalize a non-draft invoice." });
  });

  it('answers a 404 for an invoice or subscription that does not exist', async () => {
    expect(await stripeError(target.stripe.invoices.retrieve('in_doesnotexist'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await stripeError(target.stripe.subscriptions.retrieve('sub_doesnotexist'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('records subscription state changes as events with previous attributes', async () => {
    const { customer } = await clockedCustomer(target, nowSeconds() - DAY);
    const subscription = await subscribe(customer.id);
    await target.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const events = await target.stripe.events.list({ type: 'customer.subscription.*', limit: 100 });
    const mine = events.data.filter((event) => (event.data.object as Stripe.Subscription).id === subscription.id);
    expect(mine.map((event) => event.type)).toEqual(['customer.subscription.updated', 'customer.subscription.created']);
    expect(mine[0]?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    expect(mine[0]?.data.object).toMatchObject({ cancel_at_period_end: true });
  });
});
