import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { type Stripe } from '../src/stripe/stripe.constants';
import type { TestApp } from './support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';
import {
  billedCustomer,
  catalogueMeter,
  DAY,
  emulatorOf,
  HOUR,
  MINUTE,
  recordUsage,
  reportRows,
  runReporter,
  startReportingApp,
  subscribeWithPeriods,
  type BilledCustomer,
  type CatalogueMeter,
} from './support/reporting';

describe('POST /v1/reconciliation/runs (e2e, emulator over HTTP)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let calls: CatalogueMeter;
  let seats: CatalogueMeter;
  let customers: BilledCustomer[];
  let receiver: WebhookReceiver;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // usage yesterday and today, so that the comparison spans days
  const yesterday = new Date(today - DAY + 10 * HOUR);
  const earlier = new Date(Math.max(today, Date.now() - 2 * HOUR));

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    testApp = await startReportingApp({ NOTIFICATION_DELIVERY_POLL_MS: '50' });
    await testApp.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['reconciliation.drift_found'] }).expect(201);
    emulator = emulatorOf(testApp);
    calls = await catalogueMeter(testApp, 'calls');
    seats = await catalogueMeter(testApp, 'seats', { aggregation: 'last' });
    customers = [await billedCustomer(testApp), await billedCustomer(testApp)];
    const start = new Date(today - 10 * DAY + 17_000);
    for (const customer of customers) {
      for (const meter of [calls, seats]) await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
      await recordUsage(testApp, customer.id, 'calls', 3, yesterday);
      await recordUsage(testApp, customer.id, 'calls', 4, new Date(yesterday.getTime() + 2 * HOUR));
      await recordUsage(testApp, customer.id, 'calls', 5, earlier);
      await recordUsage(testApp, customer.id, 'seats', 9, yesterday);
      await recordUsage(testApp, customer.id, 'seats', 2, new Date(yesterday.getTime() + 3 * HOUR));
    }
    expect(await runReporter(testApp)).toMatchObject({ sent: 10 });
  });
  afterAll(async () => {
    await testApp.close();
    await receiver.close();
  });

  const reconcile = async (body: Record<string, string> = {}) => (await testApp.http.post('/v1/reconciliation/runs').send(body).expect(201)).body;

  it('finds no drift when Stripe holds what was reported, stores the run and confirms the reports', async () => {
    const run = await reconcile();
    // 2 customers × 2 meters, calls on two days and seats on one
    expect(run).toMatchObject({ compared: 6, driftCount: 0, drifts: [] });
    expect((await reportRows(testApp, customers[0]!.id)).every((row) => row.status === 'confirmed')).toBe(true);
    const [stored] = await testApp.sql<{ drift_count: number; finished_at: string | null }>('select drift_count, finished_at from reconciliation_runs where id = ?', [run.id]);
    expect(stored).toMatchObject({ drift_count: 0, finished_at: expect.anything() });
  });

  it('reports an event added in Stripe behind our back as a drift of that customer, meter and day', async () => {
    const [victim, bystander] = customers as [BilledCustomer, BilledCustomer];
    await testApp.app.get<Stripe>(STRIPE_CLIENT).billing.meterEvents.create({
      event_name: emulator.state.meters.require(calls.stripeMeterId).event_name,
      payload: { stripe_customer_id: victim.stripeCustomerId, value: '40' },
      timestamp: Math.floor((yesterday.getTime() + MINUTE) / 1000),
      identifier: 'injected-drift',
    });

    const run = await reconcile({ from: new Date(today - DAY).toISOString(), to: new Date(today).toISOString() });
    expect(run).toMatchObject({ from: new Date(today - DAY).toISOString(), to: new Date(today).toISOString(), driftCount: 1 });
    expect(run.drifts).toEqual([
      { customerId: victim.id, meterId: calls.id, day: new Date(today - DAY).toISOString(), localUnits: '7', stripeUnits: '47', difference: '40' },
    ]);
    expect(run.drifts.some((drift: { customerId: string }) => drift.customerId === bystander.id)).toBe(false);
    const stored = await testApp.sql<{ local_units: string; stripe_units: string }>('select local_units::text, stripe_units::text from reconciliation_drifts where run_id = ?', [run.id]);
    expect(stored).toEqual([{ local_units: '7.000000', stripe_units: '47.000000' }]);

    // announced once, for this run only (the run without drift announced nothing)
    const [announced] = await receiver.waitFor(1);
    expect(JSON.parse(announced!.rawBody)).toMatchObject({
      type: 'reconciliation.drift_found',
      data: { runId: run.id, driftCount: 1, drifts: [{ customerId: victim.id, meter: 'calls', day: new Date(today - DAY).toISOString(), localUnits: '7', stripeUnits: '47' }] },
    });
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses a range that ends before it starts or spans more than 35 days', async () => {
    const backwards = await testApp.http.post('/v1/reconciliation/runs').send({ from: new Date(today).toISOString(), to: new Date(today - 2 * DAY).toISOString() }).expect(422);
    expect(backwards.body.error).toBe('RECONCILIATION_RANGE_INVALID');
    await testApp.http.post('/v1/reconciliation/runs').send({ from: new Date(today - 40 * DAY).toISOString() }).expect(422);
    await testApp.http.post('/v1/reconciliation/runs').send({ from: 'yesterday' }).expect(400);
  });
});
