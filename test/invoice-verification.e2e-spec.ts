import type Stripe from 'stripe';
import { createMeter } from './support/catalogue';
import { eventually } from './support/eventually';
import { advanceClock, PERIOD_CLOSE_ENVIRONMENT, PERIOD_CLOSE_SECRET_KEY, periodAnchor, startBillingStack, type BillingStack } from './support/period-close';
import { emulatorControl } from '../packages/stripe-emulator/test/support/stripe-contract';
import { startTestApp, type TestApp } from './support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

const HOUR = 3600;
/** Checks and rechecks come fast; the decision window stays Stripe-sized (10 minutes before finalization). */
const FAST_VERIFICATION = {
  INVOICE_VERIFICATION_POLL_MS: '50',
  INVOICE_VERIFICATION_RECHECK_BASE_MS: '50',
  INVOICE_VERIFICATION_RECHECK_MAX_MS: '200',
  INVOICE_VERIFICATION_MAX_CHECKS: '100',
  INVOICE_VERIFICATION_DECIDE_BEFORE_SECONDS: '600',
  NOTIFICATION_DELIVERY_POLL_MS: '50',
};

interface Verification {
  stripeInvoiceId: string;
  state: string;
  checks: number;
  reason: string | null;
  lines: Array<{ stripePriceId: string; meter: string; ledgerUnits: string; invoiceUnits: string; unitDifference: string; amountDifference: number }>;
}

const controlOf = (billing: BillingStack) => ({ baseUrl: billing.emulator.url });
const eventNameOf = (billing: BillingStack, meter: MeterFixture) => billing.emulator.state.meters.require(meter.stripeMeterId).event_name;

interface PeriodFixture {
  clockId: string;
  periodEnd: number;
  invoice: Stripe.Invoice;
}

type MeterFixture = { key: string; stripeMeterId: string; stripePriceId: string };
let customers = 0;

/**
 * A customer on its own clock with `units` reported in its first period, then the clock just past
 * the period end: the draft invoice exists and invoice.created has been processed. `beforeClose`
 * runs once the usage has reached Stripe, before the period closes.
 */
async function closedPeriod(
  stack: BillingStack,
  meter: MeterFixture,
  units: number,
  beforeClose?: (stripeCustomerId: string, periodEnd: number) => Promise<void>,
  report = true,
): Promise<PeriodFixture> {
  const { app, stripe } = stack;
  const n = ++customers;
  const anchor = periodAnchor();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
  const customer = (await app.http.post('/v1/customers').send({ externalId: `close-${n}`, email: `close-${n}@example.test`, testClock: clock.id }).expect(201)).body;
  const subscription = (await app.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: [meter.key] }).expect(201)).body;
  const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
  await advanceClock(stripe, clock.id, periodEnd - 120);
  await app.http.post('/v1/usage').send({ customerId: customer.id, meter: meter.key, value: units, timestamp: periodEnd - HOUR, idempotencyKey: `usage-${n}` }).expect(202);
  await beforeClose?.(customer.stripeCustomerId, periodEnd);
  if (report) expect((await app.http.post('/v1/reporting/runs').send({}).expect(201)).body).toMatchObject({ failed: 0 });
  await advanceClock(stripe, clock.id, periodEnd + 60);
  const invoices = await stripe.invoices.list({ subscription: subscription.stripeSubscriptionId, limit: 100 });
  const invoice = invoices.data.find((candidate) => candidate.period_end === periodEnd && candidate.billing_reason === 'subscription_cycle');
  if (!invoice) throw new Error('no invoice for the closed period');
  return { clockId: clock.id, periodEnd, invoice };
}


/**
 * Period close end to end: usage in over HTTP, reported to the emulator, the test clock closes the
 * period, invoice.created flushes it and schedules the verification, which compares each metered
 * line of the draft with the ledger and holds the invoice (auto_advance off) when they disagree.
 */
describe('invoice verification at period close (e2e, test clocks)', () => {
  let stack: BillingStack;
  let replica: TestApp;
  let receiver: WebhookReceiver;
  let meter: MeterFixture;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startBillingStack(FAST_VERIFICATION);
    // a second replica on the same database: its runner races the first one for every check
    replica = await startTestApp({ STRIPE_SECRET_KEY: PERIOD_CLOSE_SECRET_KEY, STRIPE_API_BASE_URL: stack.emulator.url, ...PERIOD_CLOSE_ENVIRONMENT, ...FAST_VERIFICATION }, { database: stack.app.database });
    meter = await createMeter(stack.app.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
    await stack.app.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['invoice.held', 'invoice.released'] }).expect(201);
  });
  afterAll(async () => {
    await replica.close();
    await stack.close();
    await receiver.close();
  });
  afterEach(async () => {
    await emulatorControl(controlOf(stack), 'POST', '/meter_aggregation', { delay_seconds: 0 });
  });

    const verificationOf = async (invoiceId: string) => (await stack.app.http.get(`/v1/invoices/${invoiceId}/verification`).expect(200)).body as Verification;
  const waitForVerification = (invoiceId: string, accept: (verification: Verification) => boolean) =>
    eventually(async () => {
      const verification = await verificationOf(invoiceId);
      expect(accept(verification) ? verification : undefined).toBeDefined();
      return verification;
    }, 20_000);

  const billedQuantity = (invoice: Stripe.Invoice) => invoice.lines.data.find((line) => line.pricing?.price_details?.price === meter.stripePriceId)?.quantity;
  const noticesAbout = (invoiceId: string, type: string) => receiver.bodies().filter((body) => body.type === type && (body.data as { stripeInvoiceId: string }).stripeInvoiceId === invoiceId);

  it('matches an invoice that carries exactly the ledger, which then finalizes on time', async () => {
    const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 7);
    const verification = await waitForVerification(invoice.id, (v) => v.state === 'matched');
    expect(verification.lines).toEqual([expect.objectContaining({ stripePriceId: meter.stripePriceId, meter: 'api_calls', ledgerUnits: '7', invoiceUnits: '7', unitDifference: '0', amountDifference: 0 })]);

    await advanceClock(stack.stripe, clockId, periodEnd + HOUR + 120);
    const finalized = await stack.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(finalized.status_transitions.finalized_at).toBe(periodEnd + HOUR);
    expect(billedQuantity(finalized)).toBe(7);
  });

  it('re-checks a line Stripe has not aggregated yet and matches it once Stripe catches up, before finalization', async () => {
    const lagging = await closedPeriod(stack, meter, 9, async () => {
      await emulatorControl(controlOf(stack), 'POST', '/meter_aggregation', { delay_seconds: 300 });
    });
    const first = await waitForVerification(lagging.invoice.id, (v) => v.checks >= 1 && v.lines.length > 0);
    expect(first).toMatchObject({ state: 'pending', lines: [expect.objectContaining({ ledgerUnits: '9', invoiceUnits: '0' })] });

    // Stripe's aggregation catches up
    await emulatorControl(controlOf(stack), 'POST', '/wall_clock/advance', { seconds: 301 });
    const verification = await waitForVerification(lagging.invoice.id, (v) => v.state === 'matched');
    expect(verification.lines[0]).toMatchObject({ ledgerUnits: '9', invoiceUnits: '9' });
    expect((await stack.stripe.invoices.retrieve(lagging.invoice.id)).auto_advance).toBe(true);
    expect(noticesAbout(lagging.invoice.id, 'invoice.held')).toHaveLength(0);
  });

  it('holds an invoice carrying usage the ledger does not have: not finalized past the grace period, announced once, shown; released, it finalizes', async () => {
    const eventName = () => eventNameOf(stack, meter);
    const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 10, async (stripeCustomerId, end) => {
      const injected = await emulatorControl(controlOf(stack), 'POST', '/meter_events/inject', { event_name: eventName(), customer: stripeCustomerId, value: 5, timestamp: end - 100 });
      expect(injected.status).toBe(200);
    });
    // time remains: it is re-checked (the difference might be Stripe's lag) until 10 minutes before finalization
    await waitForVerification(invoice.id, (v) => v.checks >= 2);
    expect((await verificationOf(invoice.id)).state).toBe('pending');
    await advanceClock(stack.stripe, clockId, periodEnd + HOUR - 300);

    const held = await waitForVerification(invoice.id, (v) => v.state === 'held');
    expect(held.lines).toEqual([expect.objectContaining({ ledgerUnits: '10', invoiceUnits: '15', unitDifference: '5', amountDifference: 10 })]);
    expect(held.reason).toBe('api_calls: invoice 15, ledger 10 (+5 units, +10 usd minor units)');
    expect(await stack.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'draft', auto_advance: false });
    const listed = (await stack.app.http.get('/v1/invoices/verifications').query({ state: 'held' }).expect(200)).body;
    expect(listed.data.map((row: Verification) => row.stripeInvoiceId)).toContain(invoice.id);

    await advanceClock(stack.stripe, clockId, periodEnd + 3 * HOUR);
    expect((await stack.stripe.invoices.retrieve(invoice.id)).status).toBe('draft');
    await receiver.waitFor(1, (webhook) => webhook.rawBody.includes('"invoice.held"') && webhook.rawBody.includes(invoice.id), 15_000);
    expect(noticesAbout(invoice.id, 'invoice.held')[0]).toMatchObject({ data: { stripeInvoiceId: invoice.id, reason: held.reason } });

    // two replicas raced over every check: Stripe was asked to hold it once
    const updates = await stack.stripe.events.list({ type: 'invoice.updated', limit: 100 });
    expect(updates.data.filter((event) => (event.data.object as Stripe.Invoice).id === invoice.id)).toHaveLength(1);
    const [{ count }] = await stack.app.sql<{ count: string }>(`select count(*)::text as count from notifications where type = 'invoice.held' and data->>'stripeInvoiceId' = ?`, [invoice.id]);
    expect(count).toBe('1');
    const heldCounted = async (app: TestApp) => Number(/meterbridge_invoice_verifications_total\{outcome="held"\} (\d+)/.exec((await app.anonymous.get('/metrics').expect(200)).text)?.[1] ?? 0);
    expect((await heldCounted(stack.app)) + (await heldCounted(replica))).toBe(1);

    const released = await stack.app.http.post(`/v1/invoices/${invoice.id}/release`).send({ reason: 'customer agreed to the extra usage' }).expect(200);
    expect(released.body).toMatchObject({ state: 'released', releaseReason: 'customer agreed to the extra usage' });
    const finalized = await stack.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(billedQuantity(finalized)).toBe(15);
    await receiver.waitFor(1, (webhook) => webhook.rawBody.includes('"invoice.released"') && webhook.rawBody.includes(invoice.id), 15_000);

    const again = await stack.app.http.post(`/v1/invoices/${invoice.id}/release`).send({}).expect(409);
    expect(again.body).toMatchObject({ error: 'INVOICE_NOT_HELD' });
  });

  it('holds an invoice whose usage Stripe never received (delivery failing until after the draft); once delivered, a recheck matches and releases it', async () => {
    stack.emulator.faults.add({ kind: 'server_error', share: 1, pathPrefix: '/v1/billing/meter_event' });
    stack.emulator.faults.add({ kind: 'server_error', share: 1, pathPrefix: '/v2/billing/meter_event' });
    try {
      const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 4, undefined, false);
      await waitForVerification(invoice.id, (v) => v.checks >= 1 && v.lines.length > 0);
      await advanceClock(stack.stripe, clockId, periodEnd + HOUR - 300);
      const held = await waitForVerification(invoice.id, (v) => v.state === 'held');
      expect(held.lines).toEqual([expect.objectContaining({ ledgerUnits: '4', invoiceUnits: '0', unitDifference: '-4', amountDifference: -8 })]);
      expect((await stack.stripe.invoices.retrieve(invoice.id)).auto_advance).toBe(false);

      // the missing units reach Stripe (as a later delivery would): a recheck now matches
      stack.emulator.faults.clear();
      const eventName = eventNameOf(stack, meter);
      await emulatorControl(controlOf(stack), 'POST', '/meter_events/inject', { event_name: eventName, customer: invoice.customer, value: 4, timestamp: periodEnd - HOUR });
      const rechecked = (await stack.app.http.post(`/v1/invoices/${invoice.id}/recheck`).expect(200)).body as Verification;
      expect(rechecked).toMatchObject({ state: 'matched', lines: [expect.objectContaining({ ledgerUnits: '4', invoiceUnits: '4' })] });
      expect((await stack.stripe.invoices.retrieve(invoice.id)).auto_advance).toBe(true);
      await advanceClock(stack.stripe, clockId, periodEnd + 2 * HOUR);
      const finalized = await stack.stripe.invoices.retrieve(invoice.id);
      expect(finalized.status).not.toBe('draft');
      expect(billedQuantity(finalized)).toBe(4);
      await receiver.waitFor(1, (webhook) => webhook.rawBody.includes('"invoice.released"') && webhook.rawBody.includes(invoice.id), 15_000);
    } finally {
      stack.emulator.faults.clear();
    }
  });

  it('skips an invoice with no metered line of ours (a subscription made outside the service)', async () => {
    const { stripe } = stack;
    const anchor = periodAnchor();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
    const customer = await stripe.customers.create({ email: 'outside@example.test', test_clock: clock.id });
    const product = await stripe.products.create({ name: 'Seat' });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } });
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const periodEnd = subscription.items.data.find((item) => item.price.id === price.id)!.current_period_end;
    await advanceClock(stripe, clock.id, periodEnd + 60);
    const invoices = await stripe.invoices.list({ subscription: subscription.id, limit: 100 });
    const invoice = invoices.data.find((candidate) => candidate.billing_reason === 'subscription_cycle');
    const skipped = await waitForVerification(invoice!.id, (v) => v.state === 'skipped');
    expect(skipped.lines).toEqual([]);
  });

  it('resumes a check a dead process left claimed, once its lease lapses', async () => {
    const { invoice } = await closedPeriod(stack, meter, 2);
    await waitForVerification(invoice.id, (v) => v.state === 'matched');
    // as a checker that claimed the row and died leaves it: pending, counted, its lease running
    await stack.app.sql(`update invoice_verifications set state = 'pending', decided_at = null, checks = checks + 1, next_check_at = now() + interval '1 hour' where stripe_invoice_id = ?`, [invoice.id]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await verificationOf(invoice.id)).state).toBe('pending');
    await stack.app.sql(`update invoice_verifications set next_check_at = now() where stripe_invoice_id = ?`, [invoice.id]);
    expect(await waitForVerification(invoice.id, (v) => v.state === 'matched')).toMatchObject({ lines: [expect.objectContaining({ ledgerUnits: '2', invoiceUnits: '2' })] });
  });

  it('answers 404 for an invoice it has no verification of, 409 for a recheck of a matched one, and 400 for a bad state filter', async () => {
    await stack.app.http.get('/v1/invoices/in_unknown/verification').expect(404);
    await stack.app.http.post('/v1/invoices/in_unknown/release').send({}).expect(404);
    const { invoice } = await closedPeriod(stack, meter, 1);
    await waitForVerification(invoice.id, (v) => v.state === 'matched');
    expect((await stack.app.http.post(`/v1/invoices/${invoice.id}/recheck`).expect(409)).body).toMatchObject({ error: 'INVOICE_VERIFICATION_NOT_DECIDED_AGAINST' });
    await stack.app.http.get('/v1/invoices/verifications').query({ state: 'lost' }).expect(400);
    await stack.app.http.get('/v1/invoices/verifications').query({ cursor: 'abc' }).expect(400);
  });

  it('needs the admin scope', async () => {
    const key = await stack.app.createKey('usage:write');
    await stack.app.anonymous.get('/v1/invoices/verifications').set('authorization', `Bearer ${key}`).expect(403);
    await stack.app.anonymous.get('/v1/invoices/verifications').expect(401);
  });
});

describe('invoice verification in report mode (e2e)', () => {
  let stack: BillingStack;
  let meter: MeterFixture;

  beforeAll(async () => {
    stack = await startBillingStack({ ...FAST_VERIFICATION, INVOICE_VERIFICATION: 'report' });
    meter = await createMeter(stack.app.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
  });
  afterAll(() => stack.close());

  it('verifies and records the difference, but never holds: the invoice finalizes on time', async () => {
    const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 3, async (stripeCustomerId, end) => {
      await emulatorControl(controlOf(stack), 'POST', '/meter_events/inject', { event_name: eventNameOf(stack, meter), customer: stripeCustomerId, value: 2, timestamp: end - 100 });
    });
    await advanceClock(stack.stripe, clockId, periodEnd + HOUR - 300);
    const verification = await eventually(async () => {
      const body = (await stack.app.http.get(`/v1/invoices/${invoice.id}/verification`).expect(200)).body as Verification;
      expect(body.state).toBe('mismatched');
      return body;
    }, 20_000);
    expect(verification.lines).toEqual([expect.objectContaining({ ledgerUnits: '3', invoiceUnits: '5', unitDifference: '2', amountDifference: 4 })]);
    expect((await stack.stripe.invoices.retrieve(invoice.id)).auto_advance).toBe(true);
    const [{ count }] = await stack.app.sql<{ count: string }>(`select count(*)::text as count from notifications where type = 'invoice.held' and data->>'stripeInvoiceId' = ?`, [invoice.id]);
    expect(count).toBe('1');

    await advanceClock(stack.stripe, clockId, periodEnd + HOUR + 120);
    const finalized = await stack.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(finalized.status_transitions.finalized_at).toBe(periodEnd + HOUR);
  });
});
