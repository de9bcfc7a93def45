import { startStripeEmulator, type StripeEmulator } from '../src/stripe/emulator/emulator';
import { UsageReportsRepository } from '../src/reporting/usage-reports.repository';
import { startTestApp, type TestApp } from './support/test-app';
import {
  billedCustomer,
  catalogueMeter,
  DAY,
  HOUR,
  MINUTE,
  recordUsage,
  reportRows,
  runReporter,
  startReportingApp,
  stripeTotal,
  subscribeWithPeriods,
  type BilledCustomer,
  type CatalogueMeter,
  type RunBody,
} from './support/reporting';

const METER_EVENTS = '/v1/billing/meter_events';

/**
 * Two instances of the service on one database, both talking to one Stripe emulator over HTTP,
 * with the SDK's own retries off so that every failure reaches the reporter.
 */
describe('reporter: delivery under failures and concurrency (e2e, emulator over HTTP)', () => {
  let emulator: StripeEmulator;
  let first: TestApp;
  let second: TestApp;
  let calls: CatalogueMeter;
  const periodStart = new Date(Math.floor((Date.now() - 5 * DAY) / 1000) * 1000);

  const environment = () => ({ STRIPE_SECRET_KEY: 'sk_test_meterbridge_reporting', STRIPE_API_BASE_URL: emulator.url, STRIPE_MAX_NETWORK_RETRIES: '0' });

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    first = await startReportingApp(environment());
    second = await startTestApp({ ...environment(), REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', REPORTER_RETRY_BASE_MS: '5' }, { database: first.database });
    calls = await catalogueMeter(first, 'calls');
  });
  afterEach(() => emulator.faults.clear());
  afterAll(async () => {
    await second.close();
    await first.close();
    await emulator.close();
  });

  /** A subscribed customer with `windows` hours of usage (`perWindow` events of value 1..n each). */
  async function customerWithUsage(windows: number, perWindow: number): Promise<{ customer: BilledCustomer; ingested: number }> {
    const customer = await billedCustomer(first);
    await subscribeWithPeriods(first, customer.id, calls.id, [{ start: periodStart, end: new Date(periodStart.getTime() + 30 * DAY) }]);
    let ingested = 0;
    const base = Math.floor(Date.now() / HOUR) * HOUR - (windows + 1) * HOUR;
    for (let window = 0; window < windows; window += 1) {
      for (let event = 1; event <= perWindow; event += 1) {
        await recordUsage(first, customer.id, 'calls', event, new Date(base + window * HOUR + event * MINUTE));
        ingested += event;
      }
    }
    return { customer, ingested };
  }

  const reportsOf = async (customer: BilledCustomer) => (await reportRows(first, customer.id)).filter((row) => row.status !== 'held');
  const sentIn = (runs: RunBody[]) => runs.reduce((total, run) => total + run.sent, 0);

  it('sends each unit once when two runs on each of two instances race', async () => {
    const customers = await Promise.all([customerWithUsage(3, 4), customerWithUsage(2, 5), customerWithUsage(4, 2)]);
    const runs = await Promise.all([runReporter(first), runReporter(first), runReporter(second), runReporter(second)]);

    const rows = (await Promise.all(customers.map(({ customer }) => reportsOf(customer)))).flat();
    expect(rows).toHaveLength(9);
    expect(rows.every((row) => row.status === 'sent')).toBe(true);
    // a report sent twice would count twice here (Stripe's "already exists" counts as delivered)
    expect(sentIn(runs)).toBe(9);
    for (const { customer, ingested } of customers) expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });

  it('re-sends with the same identifier after Stripe applied a request but the connection dropped, and Stripe counts it once', async () => {
    const { customer, ingested } = await customerWithUsage(1, 3);
    // every try of this run is applied-then-dropped (the first stores the event, the next ones meet "already exists")
    emulator.faults.add({ kind: 'drop_connection', share: 1, pathPrefix: METER_EVENTS });
    expect(await runReporter(first)).toMatchObject({ sent: 0, retryLater: 1 });
    emulator.faults.clear();
    const [pending] = await reportsOf(customer);
    expect(pending).toMatchObject({ status: 'pending', failure_reason: expect.stringMatching(/^network/) });
    expect(emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId }).map((event) => event.identifier)).toEqual([pending!.identifier]);

    expect(await runReporter(second)).toMatchObject({ sent: 1, retryLater: 0 });
    expect((await reportsOf(customer)).map((row) => row.status)).toEqual(['sent']);
    expect(emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId })).toHaveLength(1);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });

  it('delivers what a runner claimed before it died: another instance sends it', async () => {
    const { customer, ingested } = await customerWithUsage(2, 2);
    const doomed = await startTestApp({ ...environment(), REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' }, { database: first.database });
    const claimer = doomed.app.get(UsageReportsRepository);
    await claimer.waitForOlderTransactions(5000);
    await claimer.claimNewEvents();
    await doomed.close();
    expect((await reportsOf(customer)).map((row) => row.status)).toEqual(['pending', 'pending']);

    expect(await runReporter(second)).toMatchObject({ claimedEvents: '0', sent: 2 });
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });

  it('delivers everything exactly once through storms of 500s and 429s', async () => {
    const customers = await Promise.all([customerWithUsage(4, 2), customerWithUsage(4, 3), customerWithUsage(3, 3)]);
    emulator.faults.add({ kind: 'server_error', share: 0.5, pathPrefix: METER_EVENTS });
    emulator.faults.add({ kind: 'rate_limit', share: 0.5, pathPrefix: METER_EVENTS });
    const runs: RunBody[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const run = await runReporter(attempt % 2 ? second : first);
      runs.push(run);
      if (run.retryLater === 0) break;
    }
    expect(runs.slice(0, -1).every((run) => run.retryLater > 0)).toBe(true);
    expect(runs[runs.length - 1]).toMatchObject({ retryLater: 0, failed: 0 });
    expect(sentIn(runs)).toBe(11);
    for (const { customer, ingested } of customers) {
      expect((await reportsOf(customer)).every((row) => row.status === 'sent')).toBe(true);
      expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
    }
  });

  it("marks a report Stripe refuses (400) failed with Stripe's message, without holding back other customers, and shows it in status", async () => {
    const { customer: good, ingested } = await customerWithUsage(1, 2);
    const { customer: bad } = await customerWithUsage(1, 2);
    // this customer's Stripe test clock runs 60 days ahead: Stripe refuses its usage at once (400) as more than 35 days old
    const clock = emulator.state.clocks.create(Math.floor(Date.now() / 1000) + 60 * 86_400, 'ahead');
    emulator.state.customers.put({ ...emulator.state.customers.require(bad.stripeCustomerId), test_clock: clock.id });

    expect(await runReporter(first)).toMatchObject({ sent: 1, failed: 1, retryLater: 0 });
    expect(stripeTotal(emulator, good.stripeCustomerId)).toBe(ingested);
    const [failed] = await reportsOf(bad);
    expect(failed).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('more than 35 days in past') });

    const status = await first.http.get('/v1/reporting/status').expect(200);
    expect(status.body.failures.totals.reports).toBe(1);
    expect(status.body.failures.recent[0]).toMatchObject({ identifier: failed!.identifier, customerId: bad.id, units: '3', reason: expect.stringContaining('more than 35 days in past') });
    expect(status.body.lastRun).toMatchObject({ trigger: 'api', sent: 1, failed: 1 });

    // not retried: the next run sends nothing and the report stays failed
    expect(await runReporter(first)).toMatchObject({ sent: 0, failed: 0 });
    expect((await reportsOf(bad)).map((row) => row.status)).toEqual(['failed']);
  });
});
