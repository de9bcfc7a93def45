import { randomUUID } from 'node:crypto';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { AdvisoryLock } from '../src/database/advisory-lock';
import { ReportingService } from '../src/reporting/reporting.service';
import { terminateAdvisoryLockHolder } from './support/advisory-lock-holder';
import type { TestApp } from './support/test-app';
import { billedCustomer, catalogueMeter, DAY, emulatorOf, HOUR, meterEventsOf, MINUTE, runReporter, startReportingApp, subscribeWithPeriods } from './support/reporting';

/**
 * The reporter's runs exclude each other with an advisory lock held on one PostgreSQL connection.
 * A restart or failover drops that connection and the lock with it while the run goes on, so the
 * next holder's run may start beside it (seen in a chaos run that ended with Stripe short).
 */
describe('a reporter run that loses its lock (e2e)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;

  beforeAll(async () => {
    // one report per page, one attempt, and a Stripe request that gives up after 5 s (time for the test to drop the lock meanwhile, on a loaded machine too)
    testApp = await startReportingApp({ REPORTER_PAGE_SIZE: '1', REPORTER_MAX_ATTEMPTS: '1', STRIPE_MAX_NETWORK_RETRIES: '0', STRIPE_TIMEOUT_MS: '5000' });
    emulator = emulatorOf(testApp);
  });
  afterAll(() => testApp.close());

  it('sends nothing more once the lock is gone; the next run delivers the rest', async () => {
    const calls = await catalogueMeter(testApp, 'calls');
    const customer = await billedCustomer(testApp);
    const start = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
    const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
    for (const hoursAgo of [4, 3, 2]) {
      const timestamp = new Date(thisHour - hoursAgo * HOUR + MINUTE).toISOString();
      await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'calls', value: 1, timestamp, idempotencyKey: randomUUID() }).expect(202);
    }
    // the first page's send hangs until the client gives up: the lock is dropped meanwhile
    const hang = emulator.faults.add({ kind: 'hang', count: 1, pathPrefix: '/v1/billing/meter_events' });
    let settled = false;
    const run = testApp.app.get(ReportingService).run('api');
    run.then(
      () => (settled = true),
      () => (settled = true),
    );
    // the rule leaves the list when the send reaches the emulator (list() holds copies: match by id)
    while (emulator.faults.list().some((rule) => rule.id === hang.id)) {
      if (settled) throw new Error('the reporter run ended before its first send reached the emulator');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await terminateAdvisoryLockHolder(testApp.database.url, AdvisoryLock.Reporter)).toBe(1);
    await expect(run).rejects.toThrow(/reporter lock was lost/);
    // the hung page was the only send: the two later pages were not sent without the lock
    expect(meterEventsOf(emulator, customer.stripeCustomerId)).toHaveLength(0);
    // the next runs, holding the lock, deliver all three (the hung one once its retry is due)
    const sent = (await runReporter(testApp)).sent + (await runReporter(testApp)).sent;
    expect(sent).toBe(3);
    expect(meterEventsOf(emulator, customer.stripeCustomerId)).toHaveLength(3);
  });
});
