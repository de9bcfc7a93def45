import Stripe from 'stripe';
import { advanceClock, clockedCustomer, itemOf, lineOf, meteredPlan, usage, type MeteredPlan } from './support/billing-fixtures';
import { emulatorOf, emulatorOnly, eventually, startContractTarget, type ContractTarget } from './support/stripe-contract';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/** Jan 31, noon UTC: the next period ends Feb 28 (Stripe clamps to the month's last day), then Mar 31. */
const ANCHOR = Date.UTC(2026, 0, 31, 12) / 1000;
const FEB_28 = Date.UTC(2026, 1, 28, 12) / 1000;
const MAR_31 = Date.UTC(2026, 2, 31, 12) / 1000;
const APR_30 = Date.UTC(2026, 3, 30, 12) / 1000;
const HOUR = 3600;
const DAY = 86_400;

describe('billing cycle on a test clock', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;

  /** A customer on a clock at ANCHOR with a metered subscription, as the service creates it. */
  async function subscribed(): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer; subscription: Stripe.Subscription }> {
    const { clock, customer } = await clockedCustomer(target, ANCHOR);
    const subscription = await target.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: plan.price.id }],
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice.confirmation_secret'],
    });
    return { clock, customer, subscription };
  }

  async function cycleInvoices(subscriptionId: string): Promise<Stripe.Invoice[]> {
    const invoices = await target.stripe.invoices.list({ subscription: subscriptionId, limit: 100 });
    return invoices.data.filter((invoice) => invoice.billing_reason === 'subscription_cycle').sort((a, b) => a.period_end - b.period_end);
  }

  async function eventsOf(type: Stripe.Event.Type, objectId: string): Promise<Stripe.Event[]> {
    const events = await target.stripe.events.list({ type, limit: 100 });
    return events.data.filter((event) => (event.data.object as { id?: string }).id === objectId);
  }

  beforeAll(async () => {
    target = await startContractTarget();
    // 0.5 of a cent per call: 1005 calls cost 502.5 cents, which Stripe rounds to 503
    plan = await meteredPlan(target, { unitAmountDecimal: '0.5' });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(plan.meter.id);
    await target.close();
  });

  describe('a full period', () => {
    let receiver: WebhookReceiver;
    let endpoint: Stripe.WebhookEndpoint | undefined;

    beforeAll(async () => {
      receiver = await startWebhookReceiver();
    });

    afterAll(async () => {
      if (endpoint) await target.stripe.webhookEndpoints.del(endpoint.id);
      await receiver.close();
    });

    emulatorOnly('bills the sum of the events inside the period and sends a signed invoice.created the SDK verifies', async () => {
      endpoint = await target.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['invoice.created'] });
      const { clock, customer, subscription } = await subscribed();
      const item = itemOf(subscription, plan.price.id);
      expect(item).toMatchObject({ current_period_start: ANCHOR, current_period_end: FEB_28 });

      // close enough to the end that the first second of the next period is within Stripe's 5 minutes ahead
      await advanceClock(target, clock.id, FEB_28 - 120);
      await usage(target, plan, customer.id, 400, ANCHOR);
      await usage(target, plan, customer.id, 600, FEB_28 - 3 * DAY);
      await usage(target, plan, customer.id, 5, FEB_28 - 1);
      await usage(target, plan, customer.id, 7, FEB_28);
      await advanceClock(target, clock.id, FEB_28 + 60);

      const [invoice] = await cycleInvoices(subscription.id);
      expect(invoice).toMatchObject({ status: 'draft', customer: customer.id, period_start: ANCHOR, period_end: FEB_28, total: 503, amount_due: 503, currency: 'usd' });
      expect(invoice?.parent?.subscription_details?.subscription).toBe(subscription.id);
      expect(invoice).not.toHaveProperty('subscription');
      expect(invoice).not.toHaveProperty('payment_intent');
      const line = lineOf(invoice as Stripe.Invoice, plan.price.id);
      expect(line).toMatchObject({ quantity: 1005, amount: 503, period: { start: ANCHOR, end: FEB_28 } });
      expect(line.pricing?.price_details?.product).toBe(plan.product.id);
      expect(line.pricing?.unit_amount_decimal?.toString()).toBe('0.5');

      // the first invoice.created is the $0 subscription_create invoice; this one is the period's
      const [delivered] = await receiver.waitFor(1, (webhook) => webhook.rawBody.includes(invoice?.id ?? '-'));
      const event = target.stripe.webhooks.constructEvent(delivered?.rawBody ?? '', delivered?.signature ?? '', endpoint.secret ?? '');
      expect(event.type).toBe('invoice.created');
      expect(event.data.object).toMatchObject({ id: invoice?.id, status: 'draft', total: 503 });
      expect(event.created).toBe(FEB_28);

      const renewed = await target.stripe.subscriptions.retrieve(subscription.id);
      expect(itemOf(renewed, plan.price.id)).toMatchObject({ current_period_start: FEB_28, current_period_end: MAR_31 });
      expect(renewed.status).toBe('active');
    });
  });

  it('finalizes the draft one hour after the period end (Stripe default), and then the invoice is no longer a draft', async () => {
    const { clock, customer, subscription } = await subscribed();
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 10, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 60);
    const [draft] = await cycleInvoices(subscription.id);
    expect(draft).toMatchObject({ status: 'draft', automatically_finalizes_at: FEB_28 + HOUR, number: null });

    await advanceClock(target, clock.id, FEB_28 + HOUR + 60);
    const finalized = await target.stripe.invoices.retrieve(draft?.id ?? '');
    expect(finalized.status).not.toBe('draft');
    expect(finalized.status_transitions.finalized_at).toBe(FEB_28 + HOUR);
    expect(finalized.number).toEqual(expect.any(String));
    expect(lineOf(finalized, plan.price.id).quantity).toBe(10);
    expect((await eventsOf('invoice.finalized', finalized.id)).length).toBe(1);
  });

  it('bills usage of the period that arrives during the grace period on the draft', async () => {
    const { clock, customer, subscription } = await subscribed();
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 10, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 60);
    await usage(target, plan, customer.id, 32, FEB_28 - 30);
    await advanceClock(target, clock.id, FEB_28 + HOUR + 60);
    const [invoice] = await cycleInvoices(subscription.id);
    expect(lineOf(invoice as Stripe.Invoice, plan.price.id)).toMatchObject({ quantity: 42, amount: 21 });
  });

  it('leaves a finalized invoice unchanged when late usage for its period arrives; the ledger still shows it', async () => {
    const { clock, customer, subscription } = await subscribed();
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 100, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 2 * HOUR);
    const [finalized] = await cycleInvoices(subscription.id);
    expect(finalized?.status).not.toBe('draft');

    await usage(target, plan, customer.id, 50, FEB_28 - 10);
    const after = await target.stripe.invoices.retrieve(finalized?.id ?? '');
    expect(lineOf(after, plan.price.id)).toMatchObject({ quantity: 100, amount: 50 });
    expect(after.total).toBe(50);
    const summary = await eventually(
      () => target.stripe.billing.meters.listEventSummaries(plan.meter.id, { customer: customer.id, start_time: ANCHOR, end_time: FEB_28 }),
      (list) => list.data[0]?.aggregated_value === 150,
    );
    expect(summary.data[0]?.aggregated_value).toBe(150);
  });

  it('closes every period an advance crosses, each invoice billing only its own period', async () => {
    const { clock, customer, subscription } = await subscribed();
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 2, FEB_28 - 120);
    await advanceClock(target, clock.id, MAR_31 - 60);
    await usage(target, plan, customer.id, 4, MAR_31 - 120);
    await advanceClock(target, clock.id, APR_30 + 2 * HOUR);

    const invoices = await cycleInvoices(subscription.id);
    expect(invoices.map((invoice) => [invoice.period_start, invoice.period_end, lineOf(invoice, plan.price.id).quantity])).toEqual([
      [ANCHOR, FEB_28, 2],
      [FEB_28, MAR_31, 4],
      [MAR_31, APR_30, 0],
    ]);
    const current = await target.stripe.subscriptions.retrieve(subscription.id);
    expect(itemOf(current, plan.price.id)).toMatchObject({ current_period_start: APR_30, current_period_end: Date.UTC(2026, 4, 31, 12) / 1000 });
  });

  emulatorOnly('finalizes at once at the period end when the grace period is set to zero through the control API', async () => {
    const emulator = emulatorOf(target);
    const response = await fetch(`${emulator.url}/_emulator/billing/settings`, { method: 'POST', body: JSON.stringify({ finalization_grace_seconds: 0 }) });
    expect(await response.json()).toEqual({ finalization_grace_seconds: 0 });
    try {
      const { clock, subscription } = await subscribed();
      await advanceClock(target, clock.id, FEB_28 + 1);
      const [invoice] = await cycleInvoices(subscription.id);
      expect(invoice).toMatchObject({ status: 'paid', automatically_finalizes_at: null });
      expect(invoice?.status_transitions.finalized_at).toBe(FEB_28);
    } finally {
      emulator.state.billing.finalizationGraceSeconds = 3600;
    }
  });

  emulatorOnly('bills a customer without a test clock when the wall clock passes its period end and billing is run', async () => {
    const emulator = emulatorOf(target);
    const customer = await target.stripe.customers.create({ email: 'wall-clock@example.com' });
    const subscription = await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }], payment_behavior: 'default_incomplete' });
    const { current_period_start: start, current_period_end: end } = itemOf(subscription, plan.price.id);
    await usage(target, plan, customer.id, 12, start + 60);
    try {
      emulator.state.wallClock.advance(end - start + 2 * HOUR);
      const ran = await fetch(`${target.baseUrl}/_emulator/billing/run_due`, { method: 'POST' });
      expect(ran.status).toBe(200);
      const listed = await fetch(`${target.baseUrl}/_emulator/invoices?subscription=${subscription.id}&status=paid`);
      const invoices = ((await listed.json()) as { data: Stripe.Invoice[] }).data.filter((invoice) => invoice.billing_reason === 'subscription_cycle');
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({ period_start: start, period_end: end, total: 6 });
    } finally {
      emulator.state.wallClock.reset();
    }
  });

  emulatorOnly('collects the finalized invoice: invoice.paid and invoice.payment_succeeded, the subscription stays active', async () => {
    const { clock, customer, subscription } = await subscribed();
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 1000, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 2 * HOUR);
    const [invoice] = await cycleInvoices(subscription.id);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 500, amount_remaining: 0, attempt_count: 1 });
    expect(invoice?.status_transitions.paid_at).toBe(FEB_28 + HOUR);
    expect((await eventsOf('invoice.paid', invoice?.id ?? '')).length).toBe(1);
    expect((await eventsOf('invoice.payment_succeeded', invoice?.id ?? '')).length).toBe(1);
    expect((await target.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  emulatorOnly('declines the payment of a customer marked to fail: invoice.payment_failed and past_due; paying later restores it', async () => {
    const { clock, customer, subscription } = await subscribed();
    const marked = await fetch(`${target.baseUrl}/_emulator/customers/${customer.id}/payment_failures`, { method: 'POST', body: JSON.stringify({ fail: true }) });
    expect(await marked.json()).toEqual({ customer: customer.id, payments_fail: true });
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 1000, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 2 * HOUR);

    const [invoice] = await cycleInvoices(subscription.id);
    expect(invoice).toMatchObject({ status: 'open', amount_due: 500, amount_paid: 0, attempted: true, attempt_count: 1 });
    expect((await eventsOf('invoice.payment_failed', invoice?.id ?? '')).length).toBe(1);
    const pastDue = await target.stripe.subscriptions.retrieve(subscription.id);
    expect(pastDue.status).toBe('past_due');
    const [updated] = await eventsOf('customer.subscription.updated', subscription.id).then((events) => events.filter((event) => (event.data.object as Stripe.Subscription).status === 'past_due'));
    expect(updated?.data.previous_attributes).toMatchObject({ status: 'active' });

    const declined = await target.stripe.invoices.pay(invoice?.id ?? '').catch((error: unknown) => error);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined' });

    await fetch(`${target.baseUrl}/_emulator/customers/${customer.id}/payment_failures`, { method: 'POST', body: JSON.stringify({ fail: false }) });
    expect(await target.stripe.invoices.pay(invoice?.id ?? '')).toMatchObject({ status: 'paid', amount_paid: 500, attempt_count: 3 });
    expect((await target.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('cancels now with invoice_now: the usage not yet invoiced is billed on an invoice finalized at once', async () => {
    const { clock, customer, subscription } = await subscribed();
    const cancelAt = ANCHOR + 10 * DAY;
    await advanceClock(target, clock.id, cancelAt);
    await usage(target, plan, customer.id, 60, ANCHOR + 5 * DAY);
    const canceled = await target.stripe.subscriptions.cancel(subscription.id, { invoice_now: true, prorate: false });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: cancelAt, ended_at: cancelAt });

    const invoices = await target.stripe.invoices.list({ subscription: subscription.id });
    const final = invoices.data.find((invoice) => invoice.id === (typeof canceled.latest_invoice === 'string' ? canceled.latest_invoice : canceled.latest_invoice?.id));
    expect(final?.status).not.toBe('draft');
    expect(final?.status_transitions.finalized_at).toBe(cancelAt);
    expect(lineOf(final as Stripe.Invoice, plan.price.id)).toMatchObject({ quantity: 60, amount: 30, period: { start: ANCHOR, end: cancelAt } });
    expect((await eventsOf('customer.subscription.deleted', subscription.id)).length).toBe(1);
  });

  it('cancels at the period end: the subscription ends there and its last period is invoiced', async () => {
    const { clock, customer, subscription } = await subscribed();
    const scheduled = await target.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(scheduled).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: FEB_28, canceled_at: ANCHOR });
    await advanceClock(target, clock.id, FEB_28 - 60);
    await usage(target, plan, customer.id, 80, FEB_28 - 600);
    await advanceClock(target, clock.id, FEB_28 + 2 * HOUR);

    const ended = await target.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: FEB_28 });
    const [last] = await cycleInvoices(subscription.id);
    expect(lineOf(last as Stripe.Invoice, plan.price.id)).toMatchObject({ quantity: 80, amount: 40, period: { start: ANCHOR, end: FEB_28 } });
    expect(last?.status).not.toBe('draft');
    const [deleted] = await eventsOf('customer.subscription.deleted', subscription.id);
    expect(deleted?.created).toBe(FEB_28);
    // nothing bills after the end
    await advanceClock(target, clock.id, MAR_31 + 2 * HOUR);
    expect(await cycleInvoices(subscription.id)).toHaveLength(1);
  });
});
