import type Stripe from 'stripe';
import { createMeter } from './support/catalogue';
import { eventually } from './support/eventually';
import {
  advanceClock,
  FAST_VERIFICATION,
  PERIOD_CLOSE_ENVIRONMENT,
  PERIOD_CLOSE_SECRET_KEY,
  periodAnchor,
  startBillingStack,
  verificationOf as verificationIn,
  waitForVerification as waitForVerificationIn,
  type BillingStack,
  type Verification,
} from './support/period-close';
import { closedPeriod, controlOf, eventNameOf, HOUR, type MeterFixture } from './support/closed-period';
import { emulatorControl } from '../packages/stripe-emulator/test/support/stripe-contract';
import { startTestApp, type TestApp } from './support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

/** A Stripe call the emulator leaves unanswered is given up (and retried) after 3 s. */
const RETRY_A_HANG_SOON = { STRIPE_TIMEOUT_MS: '3000' };

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
    stack = await startBillingStack({ ...FAST_VERIFICATION, ...RETRY_A_HANG_SOON });
    // a second replica on the same database: its runner races the first one for every check
    replica = await startTestApp(
      { STRIPE_SECRET_KEY: PERIOD_CLOSE_SECRET_KEY, STRIPE_API_BASE_URL: stack.emulator.url, ...PERIOD_CLOSE_ENVIRONMENT, ...FAST_VERIFICATION, ...RETRY_A_HANG_SOON },
      { database: stack.app.database },
    );
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

  const verificationOf = (invoiceId: string) => verificationIn(stack.app, invoiceId);
  const waitForVerification = (invoiceId: string, accept: (verification: Verification) => boolean) => waitForVerificationIn(stack.app, invoiceId, accept);

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

    // a recheck and a second release on the other replica while the release waits for Stripe: both wait
    // for it and find the invoice released, instead of re-holding (or releasing again) an invoice Stripe now finalizes
    stack.emulator.faults.add({ kind: 'hang', count: 1, method: 'POST', pathPrefix: `/v1/invoices/${invoice.id}` });
    const releasing = stack.app.http.post(`/v1/invoices/${invoice.id}/release`).send({ reason: 'customer agreed to the extra usage' }).then((response) => response);
    await eventually(async () => expect(stack.emulator.faults.list()).toEqual([]));
    const [racingRecheck, racingRelease] = await Promise.all([
      replica.http.post(`/v1/invoices/${invoice.id}/recheck`).then((response) => response),
      replica.http.post(`/v1/invoices/${invoice.id}/release`).send({ reason: 'a second operator' }).then((response) => response),
    ]);
    expect(racingRecheck.body).toMatchObject({ statusCode: 409, error: 'INVOICE_VERIFICATION_NOT_DECIDED_AGAINST', message: expect.stringContaining('released') });
    expect(racingRelease.body).toMatchObject({ statusCode: 409, error: 'INVOICE_NOT_HELD', message: expect.stringContaining('released') });
    const released = await releasing;
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ state: 'released', releaseReason: 'customer agreed to the extra usage' });
    const finalized = await stack.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(billedQuantity(finalized)).toBe(15);
    await receiver.waitFor(1, (webhook) => webhook.rawBody.includes('"invoice.released"') && webhook.rawBody.includes(invoice.id), 15_000);

    const again = await replica.http.post(`/v1/invoices/${invoice.id}/release`).send({}).expect(409);
    expect(again.body).toMatchObject({ error: 'INVOICE_NOT_HELD' });
    const types = await stack.app.sql<{ type: string }>(`select type from notifications where data->>'stripeInvoiceId' = ? order by type`, [invoice.id]);
    expect(types.map((row) => row.type)).toEqual(['invoice.held', 'invoice.released']);
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

  it('does not hold an invoice Stripe finalized while the hold was on its way: auto_advance stays on, announced as invoice.mismatch_found', async () => {
    const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 6, async (stripeCustomerId, end) => {
      await emulatorControl(controlOf(stack), 'POST', '/meter_events/inject', { event_name: eventNameOf(stack, meter), customer: stripeCustomerId, value: 3, timestamp: end - 100 });
    });
    // the hold's request to Stripe goes unanswered (the client retries it after its timeout) ...
    stack.emulator.faults.add({ kind: 'hang', count: 1, method: 'POST', pathPrefix: `/v1/invoices/${invoice.id}` });
    await advanceClock(stack.stripe, clockId, periodEnd + HOUR - 300);
    await eventually(async () => expect(stack.emulator.faults.list()).toEqual([]), 20_000);
    // ... and Stripe finalizes the draft meanwhile: the retried hold finds an open invoice
    await advanceClock(stack.stripe, clockId, periodEnd + 2 * HOUR);
    const mismatched = await waitForVerification(invoice.id, (v) => v.state === 'mismatched');
    expect(mismatched.lines).toEqual([expect.objectContaining({ ledgerUnits: '6', invoiceUnits: '9' })]);
    expect(await stack.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: expect.not.stringMatching(/^draft$/), auto_advance: true });
    const notices = await stack.app.sql<{ type: string; data: Record<string, unknown> }>(`select type, data from notifications where data->>'stripeInvoiceId' = ?`, [invoice.id]);
    expect(notices).toEqual([{ type: 'invoice.mismatch_found', data: expect.objectContaining({ notHeldBecause: 'already_finalized', invoiceStatus: expect.not.stringMatching(/^draft$/) }) }]);
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
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startBillingStack({ ...FAST_VERIFICATION, INVOICE_VERIFICATION: 'report' });
    meter = await createMeter(stack.app.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
    await stack.app.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['invoice.mismatch_found'] }).expect(201);
  });
  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

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
    // announced as found, not as held: invoice.held means an invoice Stripe will not finalize
    const [announced] = await receiver.waitFor(1, (webhook) => webhook.rawBody.includes(invoice.id), 15_000);
    expect(JSON.parse(announced!.rawBody)).toMatchObject({
      type: 'invoice.mismatch_found',
      data: { stripeInvoiceId: invoice.id, reason: 'api_calls: invoice 5, ledger 3 (+2 units, +4 usd minor units)', notHeldBecause: 'report_mode', invoiceStatus: 'draft' },
    });
    const types = await stack.app.sql<{ type: string }>(`select type from notifications where data->>'stripeInvoiceId' = ?`, [invoice.id]);
    expect(types.map((row) => row.type)).toEqual(['invoice.mismatch_found']);
    const schemas = (await stack.app.anonymous.get('/docs-json').expect(200)).body.components.schemas;
    expect(Object.keys(schemas.InvoiceMismatchFoundData.properties).sort()).toEqual(['customerId', 'invoiceStatus', 'notHeldBecause', 'periodEnd', 'periodStart', 'reason', 'stripeInvoiceId']);
    expect(schemas.InvoiceMismatchFoundData.properties.notHeldBecause).toMatchObject({ enum: ['report_mode', 'already_finalized'] });

    await advanceClock(stack.stripe, clockId, periodEnd + HOUR + 120);
    const finalized = await stack.stripe.invoices.retrieve(invoice.id);
    expect(finalized.status).not.toBe('draft');
    expect(finalized.status_transitions.finalized_at).toBe(periodEnd + HOUR);
  });
});
