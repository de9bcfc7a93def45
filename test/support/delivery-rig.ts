import { MeterEventSender } from '../../src/reporting/meter-event.sender';
import { UsageReportsRepository } from '../../src/reporting/usage-reports.repository';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
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
  type ReportRow,
  type RunBody,
} from './reporting';
import { startTestApp, type TestApp } from './test-app';

/**
 * Two instances of the service on one database, both talking to one standalone Stripe emulator
 * over HTTP, with the SDK's own retries off so that every failure reaches the reporter. Schedules
 * are off: tests start runs themselves.
 */
export interface DeliveryRig {
  emulator: StripeEmulator;
  first: TestApp;
  second: TestApp;
  /** One more instance on the same database and emulator; the test closes it. */
  startInstance(): Promise<TestApp>;
  /** A subscribed customer with `windows` hours of usage (`perWindow` events of value 1..n each), so `windows` reports. */
  customerWithUsage(windows: number, perWindow: number): Promise<CustomerUsage>;
  /** The customer's reports that go to Stripe (held ones excluded). */
  reportsOf(customer: BilledCustomer): Promise<ReportRow[]>;
  /** What Stripe counts for the customer, once it has validated what the v2 stream accepted. */
  stripeTotalOf(customer: BilledCustomer): number;
  /** The identifiers of the meter events Stripe counts for the customer, sorted; flushes the stream like stripeTotalOf. */
  stripeIdentifiersOf(customer: BilledCustomer): string[];
  /**
   * A runner on another instance claims the usage recorded so far (and, `afterSending`, sends the
   * claimed reports to Stripe, which applies them), then dies before recording anything more.
   */
  runnerDies(options: { afterSending: boolean }): Promise<void>;
  /**
   * Asserts that every report of these customers is sent and that Stripe counts exactly the
   * ledger, under the reports' own identifiers; returns how many reports that is.
   */
  expectDeliveredOnce(...usages: CustomerUsage[]): Promise<number>;
  close(): Promise<void>;
}

export interface CustomerUsage {
  customer: BilledCustomer;
  ingested: number;
}

/** `environment` applies to every instance, e.g. `REPORTER_USE_V2_STREAM`. */
export async function startDeliveryRig(environment: Record<string, string> = {}): Promise<DeliveryRig> {
  const emulator = await startStripeEmulator();
  const shared = { STRIPE_SECRET_KEY: 'sk_test_meterbridge_reporting', STRIPE_API_BASE_URL: emulator.url, STRIPE_MAX_NETWORK_RETRIES: '0', ...environment };
  const first = await startReportingApp(shared);
  const startInstance = () => startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', REPORTER_RETRY_BASE_MS: '5', ...shared }, { database: first.database });
  const second = await startInstance();
  const meter = await catalogueMeter(first, 'calls');
  const periodStart = new Date(Math.floor((Date.now() - 5 * DAY) / 1000) * 1000);
  const reportsOf = async (customer: BilledCustomer) => (await reportRows(first, customer.id)).filter((row) => row.status !== 'held');
  const stripeTotalOf = (customer: BilledCustomer) => {
    emulator.flushMeterEventStream();
    return stripeTotal(emulator, customer.stripeCustomerId);
  };
  const stripeIdentifiersOf = (customer: BilledCustomer) => {
    emulator.flushMeterEventStream();
    return emulator.state.meterEvents
      .events({ customerId: customer.stripeCustomerId })
      .map((event) => event.identifier)
      .sort();
  };

  return {
    emulator,
    first,
    second,
    startInstance,
    customerWithUsage: async (windows, perWindow) => {
      const customer = await billedCustomer(first);
      await subscribeWithPeriods(first, customer.id, meter.id, [{ start: periodStart, end: new Date(periodStart.getTime() + 30 * DAY) }]);
      let ingested = 0;
      const base = Math.floor(Date.now() / HOUR) * HOUR - (windows + 1) * HOUR;
      for (let window = 0; window < windows; window += 1) {
        for (let event = 1; event <= perWindow; event += 1) {
          await recordUsage(first, customer.id, 'calls', event, new Date(base + window * HOUR + event * MINUTE));
          ingested += event;
        }
      }
      return { customer, ingested };
    },
    reportsOf,
    stripeTotalOf,
    stripeIdentifiersOf,
    runnerDies: async ({ afterSending }) => {
      const doomed = await startInstance();
      await claimWithoutSending(doomed);
      if (afterSending) {
        const page = await doomed.app.get(UsageReportsRepository).pendingPage('0', 1000, null);
        // sent as a run holding the lock would, then the instance dies before recording the outcome
        const outcome = await doomed.app.get(MeterEventSender).send(page, { held: true });
        expect(outcome.delivered).toHaveLength(page.length);
      }
      await doomed.close();
    },
    expectDeliveredOnce: async (...usages) => {
      let reports = 0;
      for (const { customer, ingested } of usages) {
        const rows = await reportsOf(customer);
        expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'sent'));
        expect(stripeTotalOf(customer)).toBe(ingested);
        // a resend under another identifier could hide in the total when both copies land alike; not here
        expect(stripeIdentifiersOf(customer)).toEqual(rows.map((row) => row.identifier).sort());
        reports += rows.length;
      }
      return reports;
    },
    close: async () => {
      await second.close();
      await first.close();
      await emulator.close();
    },
  };
}

/** The rig for a describe block: started before its tests, faults cleared after each, closed after all. */
export function useDeliveryRig(environment: Record<string, string> = {}): DeliveryRig {
  const rig = {} as DeliveryRig;
  beforeAll(async () => {
    Object.assign(rig, await startDeliveryRig(environment));
  });
  afterEach(() => rig.emulator?.faults.clear());
  afterAll(() => rig.close?.());
  return rig;
}

/** Two runs on each instance at once over three customers' usage: each report is sent by one run only. */
export async function expectRacingRunsToSendOnce(rig: DeliveryRig): Promise<void> {
  const customers = await Promise.all([rig.customerWithUsage(3, 4), rig.customerWithUsage(2, 5), rig.customerWithUsage(4, 2)]);
  const runs = await Promise.all([runReporter(rig.first), runReporter(rig.first), runReporter(rig.second), runReporter(rig.second)]);
  expect(await rig.expectDeliveredOnce(...customers)).toBe(9);
  // a report sent twice would count twice here (Stripe's "already exists" counts as delivered)
  expect(sentIn(runs)).toBe(9);
}

/** What a runner does first: turns the usage recorded so far into pending reports, without sending them. */
export async function claimWithoutSending(instance: TestApp): Promise<void> {
  const reports = instance.app.get(UsageReportsRepository);
  await reports.waitForOlderTransactions(5000);
  await reports.claimNewEvents();
}

/** Reports sent by these runs together: a report sent twice counts twice (Stripe's "already exists" counts as delivered). */
export function sentIn(runs: Pick<RunBody, 'sent'>[]): number {
  return runs.reduce((total, run) => total + run.sent, 0);
}
