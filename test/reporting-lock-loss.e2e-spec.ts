import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { AdvisoryLock } from '../src/database/advisory-lock';
import { reportIdentifier } from '../src/reporting/report-identifier';
import { ReportingService } from '../src/reporting/reporting.service';
import { StripeGateway } from '../src/stripe/stripe-gateway';
import { terminateAdvisoryLockHolder } from './support/advisory-lock-holder';
import { eventually } from './support/eventually';
import type { TestApp } from './support/test-app';
import { billedCustomer, catalogueMeter, DAY, emulatorOf, HOUR, meterEventsOf, MINUTE, runReporter, startReportingApp, subscribeWithPeriods, type BilledCustomer, type CatalogueMeter } from './support/reporting';

/**
 * The reporter's runs exclude each other with an advisory lock held on one PostgreSQL connection.
 * A restart or failover drops that connection and the lock with it while the run goes on, so the
 * next holder's run may start beside it (seen in a chaos run that ended with Stripe short).
 */
describe('a reporter run that loses its lock (e2e)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let calls: CatalogueMeter;

  beforeAll(async () => {
    // a page of three reports sent one at a time, one attempt each, and a Stripe request that gives
    // up after 5 s (time for the test to drop the lock meanwhile, on a loaded machine too)
    testApp = await startReportingApp({
      REPORTER_PAGE_SIZE: '3',
      REPORTER_CONCURRENCY: '1',
      REPORTER_MAX_ATTEMPTS: '1',
      STRIPE_MAX_NETWORK_RETRIES: '0',
      STRIPE_TIMEOUT_MS: '5000',
    });
    emulator = emulatorOf(testApp);
    calls = await catalogueMeter(testApp, 'calls');
  });
  afterAll(() => testApp.close());

  const thisHour = () => Math.floor(Date.now() / HOUR) * HOUR;

  async function subscribed(): Promise<BilledCustomer> {
    const customer = await billedCustomer(testApp);
    const start = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
    return customer;
  }

  /** One event in each of these past hours; returns their idempotency keys. */
  async function oneEventPerHour(customerId: string, hoursAgo: number[]): Promise<string[]> {
    const keys: string[] = [];
    for (const hours of hoursAgo) {
      const idempotencyKey = randomUUID();
      const timestamp = new Date(thisHour() - hours * HOUR + MINUTE).toISOString();
      await testApp.http.post('/v1/usage').send({ customerId, meter: 'calls', value: 100, timestamp, idempotencyKey }).expect(202);
      keys.push(idempotencyKey);
    }
    return keys;
  }

  const correctTo = (customerId: string, idempotencyKey: string, value: number) =>
    testApp.http.post('/v1/usage/corrections').send({ customerId, idempotencyKey, value, reason: 'wrong value', correctionKey: randomUUID() }).expect(201);
  const stripeEvents = (customer: BilledCustomer) =>
    emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true }).map((event) => [event.identifier, event.value, event.cancelled]);
  /** Each hour's first report cancelled (it carried 100) and its correction's report sending the 10 that remain. */
  const correctedTo10 = (customer: BilledCustomer, hoursAgo: number[]) =>
    hoursAgo.flatMap((hours) => {
      const hour = new Date(thisHour() - hours * HOUR);
      return [
        [reportIdentifier(customer.id, calls.id, hour, 0), 100n, true],
        [reportIdentifier(customer.id, calls.id, hour, 1), 10n, false],
      ];
    });

  /**
   * A reporter run whose first request to `pathPrefix` hangs until the client gives up: meanwhile
   * the lock's session is terminated, as a PostgreSQL restart would. The run must fail.
   */
  async function runLosingTheLockDuring(pathPrefix: string): Promise<void> {
    const hang = emulator.faults.add({ kind: 'hang', count: 1, pathPrefix });
    let settled = false;
    const run = testApp.app.get(ReportingService).run('api');
    run.then(
      () => (settled = true),
      () => (settled = true),
    );
    // the rule leaves the list when the request reaches the emulator (list() holds copies: match by id)
    while (emulator.faults.list().some((rule) => rule.id === hang.id)) {
      if (settled) throw new Error(`the reporter run ended before its request to ${pathPrefix} reached the emulator`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await terminateAdvisoryLockHolder(testApp.database.url, AdvisoryLock.Reporter)).toBe(1);
    await expect(run).rejects.toThrow(/reporter lock was lost/);
  }

  it('sends nothing more once the lock is gone, and fails; the next run delivers the rest', async () => {
    const customer = await subscribed();
    await oneEventPerHour(customer.id, [4, 3, 2]);
    await runLosingTheLockDuring('/v1/billing/meter_events');
    // the hung request was the only one: the two other reports of its page were not sent without the lock
    expect(meterEventsOf(emulator, customer.stripeCustomerId)).toHaveLength(0);
    // the three stayed pending: the next run, holding the lock, delivers them
    expect((await runReporter(testApp)).sent).toBe(3);
    expect(meterEventsOf(emulator, customer.stripeCustomerId)).toHaveLength(3);
  });

  it('sends no cancel once the lock is gone; the next runs carry both corrections', async () => {
    const customer = await subscribed();
    const keys = await oneEventPerHour(customer.id, [4, 3]);
    await runReporter(testApp);
    for (const idempotencyKey of keys) await correctTo(customer.id, idempotencyKey, 10);
    await runLosingTheLockDuring('/v1/billing/meter_event_adjustments');
    // the hung cancel was the only one sent: the other window's was not decided without the lock
    expect(stripeEvents(customer).filter(([, , cancelled]) => cancelled)).toEqual([]);
    for (let run = 0; run < 3; run += 1) await runReporter(testApp);
    expect(stripeEvents(customer)).toEqual(expect.arrayContaining(correctedTo10(customer, [4, 3])));
    expect(stripeEvents(customer)).toHaveLength(4);
  });

  it('records no decision from a cancel Stripe answered after the lock was lost; the next run decides again', async () => {
    const customer = await subscribed();
    const [key] = await oneEventPerHour(customer.id, [4]);
    await runReporter(testApp);
    await correctTo(customer.id, key!, 10);
    // the lock is dropped while the cancel is on its way, and Stripe applies and answers it
    const gateway = testApp.app.get(StripeGateway);
    const cancel = gateway.cancelMeterEvent.bind(gateway);
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const cancels = jest.spyOn(gateway, 'cancelMeterEvent').mockImplementationOnce(async (...args) => {
      expect(await terminateAdvisoryLockHolder(testApp.database.url, AdvisoryLock.Reporter)).toBe(1);
      await eventually(async () => expect(warnings.mock.calls.some(([message]) => String(message).includes('advisory lock Reporter'))).toBe(true));
      return cancel(...args);
    });
    try {
      await expect(testApp.app.get(ReportingService).run('api')).rejects.toThrow(/reporter lock was lost/);
    } finally {
      cancels.mockRestore();
      warnings.mockRestore();
    }
    expect(stripeEvents(customer).filter(([, , cancelled]) => cancelled)).toHaveLength(1);
    const decisions = `select count(*)::int as n from report_cancellations c join usage_reports r on r.id = c.report_id where r.customer_id = ?`;
    expect(await testApp.sql(decisions, [customer.id])).toEqual([{ n: 0 }]);
    // the next run cancels again (Stripe answers a repeated cancel the same) and carries the correction once
    for (let run = 0; run < 2; run += 1) await runReporter(testApp);
    expect(await testApp.sql(decisions, [customer.id])).toEqual([{ n: 1 }]);
    expect(stripeEvents(customer)).toEqual(correctedTo10(customer, [4]));
  });
});
