import { createMeter } from './support/catalogue';
import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { advanceClock, FAST_VERIFICATION, PERIOD_CLOSE_ENVIRONMENT, PERIOD_CLOSE_SECRET_KEY, periodAnchor, startBillingStack, waitForVerification, type BillingStack } from './support/period-close';
import { emulatorControl } from '../packages/stripe-emulator/test/support/stripe-contract';
import { buildService, startService, type ServiceBuild, type ServiceProcess } from './support/service-process';
import { startTestApp, type TestApp } from './support/test-app';

const HOUR = 3600;
/** A check left claimed by a dead process is claimed again this soon. */
const SHORT_LEASE = { INVOICE_VERIFICATION_LEASE_SECONDS: '3' };

let build: ServiceBuild;
beforeAll(() => {
  build = buildService();
}, 180_000);
afterAll(() => build?.remove());

/**
 * The built service, as a process of its own, claims an invoice's verification and is killed
 * (SIGKILL: no shutdown hook runs, its advisory lock and connections die with it) while its check
 * waits for Stripe. Another instance on the same database takes the check up once the lease lapses
 * and decides it, once.
 */
describe('a verifier killed mid-check (e2e, built service, SIGKILL)', () => {
  let stack: BillingStack;
  let verifier: ServiceProcess | undefined;
  let successor: TestApp | undefined;

  beforeAll(async () => {
    // the in-process app takes the usage and reports it, but verifies nothing: the child does
    stack = await startBillingStack({ ...FAST_VERIFICATION, INVOICE_VERIFICATION: 'off' });
  });
  afterAll(async () => {
    verifier?.signal('SIGKILL');
    await successor?.close();
    await stack.close();
  });

  it('resumes the check after the lease lapses and holds the invoice exactly once', async () => {
    const { app, stripe, emulator } = stack;
    const meter = await createMeter(app.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
    const port = await freePort();
    const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/stripe`, enabled_events: ['invoice.created'] });
    verifier = await startService(build, port, {
      DATABASE_URL: app.database.url,
      STRIPE_SECRET_KEY: PERIOD_CLOSE_SECRET_KEY,
      STRIPE_API_BASE_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: endpoint.secret as string,
      LOG_LEVEL: 'warn',
      ...PERIOD_CLOSE_ENVIRONMENT,
      ...FAST_VERIFICATION,
      ...SHORT_LEASE,
    });

    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: periodAnchor() });
    const customer = (await app.http.post('/v1/customers').send({ externalId: 'killed', email: 'killed@example.test', testClock: clock.id }).expect(201)).body;
    const subscription = (await app.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: [meter.key] }).expect(201)).body;
    const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
    await advanceClock(stripe, clock.id, periodEnd - 120);
    await app.http.post('/v1/usage').send({ customerId: customer.id, meter: meter.key, value: 10, timestamp: periodEnd - HOUR, idempotencyKey: 'killed-1' }).expect(202);
    // Stripe holds 5 units more than the ledger: the check's decision will be a hold
    const eventName = emulator.state.meters.require(meter.stripeMeterId).event_name;
    const injected = await emulatorControl({ baseUrl: emulator.url }, 'POST', '/meter_events/inject', { event_name: eventName, customer: customer.stripeCustomerId, value: 5, timestamp: periodEnd - 100 });
    expect(injected.status).toBe(200);
    expect((await app.http.post('/v1/reporting/runs').send({}).expect(201)).body).toMatchObject({ failed: 0 });

    // the verifier's first look at the draft never gets an answer
    emulator.faults.add({ kind: 'hang', count: 1, method: 'GET', pathPrefix: '/v1/invoices/in_' });
    await advanceClock(stripe, clock.id, periodEnd + 60);
    const claimed = await eventually(async () => {
      const [row] = await app.sql<{ stripe_invoice_id: string; state: string; checks: number }>(`select stripe_invoice_id, state, checks from invoice_verifications`);
      expect(row).toMatchObject({ state: 'pending', checks: 1 });
      expect(emulator.faults.list()).toEqual([]);
      return row!;
    }, 30_000);
    verifier.signal('SIGKILL');
    expect(await verifier.exited).toEqual({ code: null, signal: 'SIGKILL' });
    verifier = undefined;
    const invoiceId = claimed.stripe_invoice_id;
    expect((await app.sql<{ decided_at: Date | null }>(`select decided_at from invoice_verifications where stripe_invoice_id = ?`, [invoiceId]))[0]).toEqual({ decided_at: null });

    // time is up for this draft: the next check decides
    await advanceClock(stripe, clock.id, periodEnd + HOUR - 300);
    successor = await startTestApp(
      { STRIPE_SECRET_KEY: PERIOD_CLOSE_SECRET_KEY, STRIPE_API_BASE_URL: emulator.url, ...PERIOD_CLOSE_ENVIRONMENT, ...FAST_VERIFICATION, ...SHORT_LEASE },
      { database: app.database },
    );
    const held = await waitForVerification(successor, invoiceId, (v) => v.state === 'held');
    expect(held).toMatchObject({ checks: 2, lines: [expect.objectContaining({ ledgerUnits: '10', invoiceUnits: '15' })] });
    expect(await stripe.invoices.retrieve(invoiceId)).toMatchObject({ status: 'draft', auto_advance: false });
    const updates = await stripe.events.list({ type: 'invoice.updated', limit: 100 });
    expect(updates.data.filter((event) => (event.data.object as { id: string }).id === invoiceId)).toHaveLength(1);
    const notices = await app.sql<{ type: string }>(`select type from notifications where data->>'stripeInvoiceId' = ?`, [invoiceId]);
    expect(notices.map((row) => row.type)).toEqual(['invoice.held']);
  });
});
