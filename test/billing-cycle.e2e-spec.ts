import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
import { createMeter } from './support/catalogue';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { periodAnchor } from './support/period-close';
import { startTestApp, type TestApp } from './support/test-app';

const HOUR = 3600;

/**
 * The whole product, end to end: usage in over HTTP, the reporter, the emulator's test clock
 * closing the period, signed webhooks back to the app (invoice.created flushes what is still
 * pending), the invoice carrying exactly the period's usage, a failed payment making the customer
 * past_due.
 */
describe('billing cycle (e2e: API → reporter → Stripe emulator → webhooks → invoice)', () => {
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let testApp: TestApp;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    stripe = new Stripe('sk_test_billing_cycle', { host: emulator.host, port: emulator.port, protocol: 'http' });
    const port = await freePort();
    const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/stripe`, enabled_events: ['*'] });
    testApp = await startTestApp(
      {
        STRIPE_SECRET_KEY: 'sk_test_billing_cycle',
        STRIPE_API_BASE_URL: emulator.url,
        STRIPE_WEBHOOK_SECRET: endpoint.secret as string,
        REPORTER_ENABLED: 'false',
        // the period may have ended up to three days ago in real time: only invoice.finalized may close it (Stripe allows a grace of up to 72 h)
        REPORTER_FINALIZATION_GRACE_MINUTES: '4320',
      },
      { port },
    );
  });
  afterAll(async () => {
    await testApp.close();
    await emulator.close();
  });

  async function advance(clockId: string, to: number): Promise<void> {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await eventually(async () => expect((await stripe.testHelpers.testClocks.retrieve(clockId)).status).toBe('ready'));
  }

  const ingest = (customerId: string, value: number, timestamp: number, idempotencyKey: string) =>
    testApp.http.post('/v1/usage').send({ customerId, meter: 'api_calls', value, timestamp, idempotencyKey }).expect(202);

  /** Waits until the app has processed the `type` event about the invoice that closes the period ending at `periodEnd`. */
  const periodEventProcessed = (type: string, periodEnd: number) =>
    eventually(async () => {
      const rows = await testApp.sql(`select id from webhook_events where type = ? and status = 'processed' and (payload->'data'->'object'->>'period_end')::bigint = ?`, [type, periodEnd]);
      expect(rows).not.toHaveLength(0);
    }, 15_000);

  /** The invoice line of a meter's price (never the first line: find it by price). */
  const lineFor = (invoice: Stripe.Invoice | undefined, priceId: string) =>
    invoice?.lines.data.find((candidate) => {
      const price = candidate.pricing?.price_details?.price;
      return (typeof price === 'string' ? price : price?.id) === priceId;
    });

  it('bills exactly the period’s usage, flushes on invoice.created, and marks a failed payment past_due', async () => {
    const meter = await createMeter(testApp.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
    const anchor = periodAnchor();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
    const customer = (await testApp.http.post('/v1/customers').send({ externalId: 'cycle', email: 'cycle@example.test', testClock: clock.id }).expect(201)).body;
    const subscription = (await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({}).expect(201)).body;
    const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
    expect(subscription.currentPeriodStart).toBe(new Date(anchor * 1000).toISOString());

    await advance(clock.id, periodEnd - 120);
    await ingest(customer.id, 3, anchor + HOUR, 'first-hour');
    await ingest(customer.id, 5, periodEnd - HOUR, 'last-hour');
    await ingest(customer.id, 7, periodEnd - 1, 'last-second');
    await ingest(customer.id, 11, periodEnd, 'next-period-first-second');
    const run = await testApp.http.post('/v1/reporting/runs').send({}).expect(201);
    expect(run.body).toMatchObject({ failed: 0 });

    // arrives after the run: only the invoice.created flush can put it on this period's invoice
    await ingest(customer.id, 13, periodEnd - 10, 'late-but-in-period');
    emulator.state.billing.failingCustomers.add(customer.stripeCustomerId);

    await advance(clock.id, periodEnd + 60);
    await periodEventProcessed('invoice.created', periodEnd);
    await advance(clock.id, periodEnd + HOUR + 120);
    await periodEventProcessed('invoice.finalized', periodEnd);

    const invoices = await stripe.invoices.list({ customer: customer.stripeCustomerId, limit: 100 });
    const closing = invoices.data.find((invoice) => invoice.period_end === periodEnd && invoice.billing_reason === 'subscription_cycle');
    expect(closing?.status).not.toBe('draft');
    const line = lineFor(closing, meter.stripePriceId);
    expect(line?.quantity).toBe(3 + 5 + 7 + 13);
    expect(line?.amount).toBe((3 + 5 + 7 + 13) * 2);

    await eventually(async () => expect((await testApp.http.get(`/v1/customers/${customer.id}`).expect(200)).body.status).toBe('past_due'), 15_000);
    const [period] = await testApp.sql<{ invoice_finalized_at: Date | null }>(`select invoice_finalized_at from billing_periods where period_end = to_timestamp(?)`, [periodEnd]);
    expect(period.invoice_finalized_at).not.toBeNull();
  });

  it('reports the usage recorded so far before cancelling now, so the cancellation invoice carries it', async () => {
    const start = Math.floor(Date.now() / 1000) - HOUR;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = (await testApp.http.post('/v1/customers').send({ externalId: 'cancel-now', email: 'cancel@example.test', testClock: clock.id }).expect(201)).body;
    const subscription = (await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: ['api_calls'] }).expect(201)).body;
    await advance(clock.id, start + HOUR - 60);
    await ingest(customer.id, 9, start + 600, 'before-cancel');

    await testApp.http.delete(`/v1/subscriptions/${subscription.id}`).query({ at: 'now' }).expect(200);
    const invoices = await stripe.invoices.list({ subscription: subscription.stripeSubscriptionId, limit: 100 });
    const final = invoices.data.find((invoice) => invoice.billing_reason !== 'subscription_create');
    expect(final?.status).not.toBe('draft');
    const [meter] = (await testApp.http.get('/v1/meters').expect(200)).body.data;
    expect(lineFor(final, meter.stripePriceId)?.quantity).toBe(9);
  });
});
