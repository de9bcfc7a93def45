import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { reportIdentifier } from '../src/reporting/report-identifier';
import type { TestApp } from './support/test-app';
import { billedCustomer, catalogueMeter, DAY, emulatorOf, HOUR, MINUTE, recordUsage, reportRows, runReporter, startReportingApp, subscribeWithPeriods, type CatalogueMeter } from './support/reporting';

const MAX_VALUE = 999_999_999_999_999;
const hourStart = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR);

/** Every accepted unit is billable: a window beyond Stripe's 15 significant digits goes as several meter events. */
describe.each([
  ['v1 meter events', 'false'],
  ['the v2 stream', 'true'],
])('reporter: values beyond 15 digits over %s (e2e, emulator over HTTP)', (_label, useV2Stream) => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let meter: CatalogueMeter;
  const periodStart = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);

  beforeAll(async () => {
    testApp = await startReportingApp({ REPORTER_USE_V2_STREAM: useV2Stream });
    emulator = emulatorOf(testApp);
    meter = await catalogueMeter(testApp, 'tokens');
  });
  afterAll(() => testApp.close());

  const stripeEvents = (stripeCustomerId: string) =>
    emulator.state.meterEvents.events({ customerId: stripeCustomerId }).map((event) => ({ identifier: event.identifier, value: event.value }));

  it('sends a 16-digit window as events of at most 15 digits whose sum Stripe holds equals the ledger, and reports it all', async () => {
    const customer = await billedCustomer(testApp);
    await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start: periodStart, end: new Date(periodStart.getTime() + 30 * DAY) }]);
    const hour = hourStart(2);
    await recordUsage(testApp, customer.id, 'tokens', MAX_VALUE, new Date(hour.getTime() + 5 * MINUTE));
    await recordUsage(testApp, customer.id, 'tokens', MAX_VALUE, new Date(hour.getTime() + 6 * MINUTE));
    await recordUsage(testApp, customer.id, 'tokens', 1, new Date(hour.getTime() + 7 * MINUTE));

    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '3', sent: 1, failed: 0, retryLater: 0 });
    emulator.flushMeterEventStream();

    const identifier = reportIdentifier(customer.id, meter.id, hour, 0);
    const events = stripeEvents(customer.stripeCustomerId);
    expect(events).toEqual(
      expect.arrayContaining([
        { identifier, value: 999_999_999_999_999n },
        { identifier: `${identifier}_p1`, value: 999_999_999_999_999n },
        { identifier: `${identifier}_p2`, value: 1n },
      ]),
    );
    expect(events.reduce((total, event) => total + event.value, 0n)).toBe(1_999_999_999_999_999n);
    expect((await reportRows(testApp, customer.id)).map((row) => [row.status, row.units])).toEqual([['sent', '1999999999999999']]);
    const totals = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query({ meter: 'tokens' }).expect(200);
    expect(totals.body.meters[0]).toMatchObject({ ingested: '1999999999999999', reported: '1999999999999999', pending: '0', failed: '0' });

    // a second run sends nothing again: the parts are named by the report, Stripe already holds them
    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '0', sent: 0 });
    emulator.flushMeterEventStream();
    expect(stripeEvents(customer.stripeCustomerId)).toHaveLength(3);
  });

  // the stream's refusals arrive later as thin events (reporting-stream.e2e-spec proves that path); v1 answers at once
  if (useV2Stream === 'false') {
    it('shows the units of a report Stripe refused as failed (never pending) in the totals and the status', async () => {
      const customer = await billedCustomer(testApp);
      await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start: periodStart, end: new Date(periodStart.getTime() + 30 * DAY) }]);
      // this customer's Stripe test clock runs 60 days ahead: Stripe refuses its usage at once (400) as more than 35 days old
      const clock = emulator.state.clocks.create(Math.floor(Date.now() / 1000) + 60 * 86_400, 'ahead');
      emulator.state.customers.put({ ...emulator.state.customers.require(customer.stripeCustomerId), test_clock: clock.id });
      const idempotencyKey = 'refused-42';
      await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'tokens', value: 42, timestamp: new Date(hourStart(1).getTime() + MINUTE).toISOString(), idempotencyKey }).expect(202);
      expect(await runReporter(testApp)).toMatchObject({ failed: 1 });
      expect((await reportRows(testApp, customer.id)).map((row) => row.status)).toEqual(['failed']);
      const totals = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query({ meter: 'tokens' }).expect(200);
      expect(totals.body.meters[0]).toMatchObject({ ingested: '42', reported: '0', pending: '0', failed: '42', estimatedAmount: '0' });
      const status = await testApp.http.get('/v1/reporting/status').expect(200);
      expect(status.body.failures.totals).toMatchObject({ reports: 1, units: '42' });
      const trace = await testApp.http.get('/v1/usage/events').query({ customerId: customer.id, idempotencyKey }).expect(200);
      expect(trace.body.reports).toEqual([expect.objectContaining({ status: 'failed', units: '42', sentAt: null, failureReason: expect.stringContaining('more than 35 days in past') })]);
    });
  }
});
