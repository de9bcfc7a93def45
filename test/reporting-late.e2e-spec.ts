import { UsageReportsRepository } from '../src/reporting/usage-reports.repository';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import type { TestApp } from './support/test-app';
import {
  billedCustomer,
  catalogueMeter,
  DAY,
  emulatorOf,
  HOUR,
  meterEventsOf,
  MINUTE,
  recordUsage,
  reportRows,
  runReporter,
  secondsFromNow,
  startReportingApp,
  stripeTotal,
  subscribeWithPeriods,
  type BilledCustomer,
  type CatalogueMeter,
} from './support/reporting';

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

interface MeterTotals {
  meter: string;
  ingested: string;
  reported: string;
  pending: string;
  lateUnbillable: string;
}

describe('reporter: late and held usage (e2e, emulator over HTTP)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let adjusted: CatalogueMeter;
  let unbillable: CatalogueMeter;

  beforeAll(async () => {
    testApp = await startReportingApp();
    emulator = emulatorOf(testApp);
    adjusted = await catalogueMeter(testApp, 'adjusted', { lateUsagePolicy: 'next_period' });
    unbillable = await catalogueMeter(testApp, 'unbillable', { lateUsagePolicy: 'record_only' });
  });
  afterAll(() => testApp.close());

  /** A customer whose previous period (ended `endedAgo`) may be finalized, and whose current one runs on. */
  async function customerWithClosedPeriod(meter: CatalogueMeter, endedAgo: number, finalized: boolean): Promise<{ customer: BilledCustomer; boundary: Date }> {
    const customer = await billedCustomer(testApp);
    const boundary = secondsFromNow(-endedAgo);
    await subscribeWithPeriods(testApp, customer.id, meter.id, [
      { start: new Date(boundary.getTime() - 30 * DAY), end: boundary, finalizedAt: finalized ? new Date(boundary.getTime() + HOUR) : undefined },
      { start: boundary, end: new Date(boundary.getTime() + 30 * DAY) },
    ]);
    return { customer, boundary };
  }

  async function totalsOf(customerId: string, meter: string, range: { from: Date; to: Date }): Promise<MeterTotals> {
    const response = await testApp.http.get(`/v1/customers/${customerId}/usage`).query({ meter, from: range.from.toISOString(), to: range.to.toISOString() }).expect(200);
    return response.body.meters[0];
  }

  it('reports usage for a finalized period into the current period at its start, flagged as a late adjustment (next_period)', async () => {
    const { customer, boundary } = await customerWithClosedPeriod(adjusted, 2 * HOUR, true);
    await recordUsage(testApp, customer.id, 'adjusted', 8, new Date(boundary.getTime() - 10 * MINUTE));

    expect(await runReporter(testApp)).toMatchObject({ sent: 1 });
    const [row] = await reportRows(testApp, customer.id);
    expect(row).toMatchObject({ status: 'sent', late_adjustment: true, units: '8', report_time: boundary.toISOString() });
    expect(meterEventsOf(emulator, customer.stripeCustomerId).map((event) => [event.value, event.timestamp])).toEqual([[8, seconds(boundary)]]);

    const status = await testApp.http.get('/v1/reporting/status').expect(200);
    expect(Number(status.body.late.adjustments.units)).toBeGreaterThanOrEqual(8);
  });

  it('keeps usage for a finalized period as late and unbillable, never sent, shown in totals and status (record_only)', async () => {
    const { customer, boundary } = await customerWithClosedPeriod(unbillable, 2 * HOUR, true);
    await recordUsage(testApp, customer.id, 'unbillable', 6, new Date(boundary.getTime() - 10 * MINUTE));
    await recordUsage(testApp, customer.id, 'unbillable', 4, new Date(boundary.getTime() + 10 * MINUTE));

    expect(await runReporter(testApp)).toMatchObject({ sent: 1 });
    expect((await reportRows(testApp, customer.id)).map((row) => [row.status, row.units, row.late_adjustment])).toEqual([
      ['late_unbillable', '6', false],
      ['sent', '4', false],
    ]);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(4);
    expect(await totalsOf(customer.id, 'unbillable', { from: new Date(boundary.getTime() - DAY), to: boundary })).toMatchObject({
      ingested: '6',
      reported: '0',
      pending: '0',
      lateUnbillable: '6',
    });
    expect(await totalsOf(customer.id, 'unbillable', { from: boundary, to: new Date(boundary.getTime() + DAY) })).toMatchObject({ ingested: '4', reported: '4', pending: '0' });
    const status = await testApp.http.get('/v1/reporting/status').expect(200);
    expect(Number(status.body.late.unbillable.units)).toBeGreaterThanOrEqual(6);
  });

  it('treats a period that ended longer ago than the finalization grace as closed even without an invoice.finalized', async () => {
    const { customer, boundary } = await customerWithClosedPeriod(unbillable, 2 * HOUR, false);
    await recordUsage(testApp, customer.id, 'unbillable', 3, new Date(boundary.getTime() - MINUTE));
    await runReporter(testApp);
    expect((await reportRows(testApp, customer.id)).map((row) => row.status)).toEqual(['late_unbillable']);

    const recent = await customerWithClosedPeriod(unbillable, 10 * MINUTE, false);
    await recordUsage(testApp, recent.customer.id, 'unbillable', 3, new Date(recent.boundary.getTime() - MINUTE));
    await runReporter(testApp);
    expect((await reportRows(testApp, recent.customer.id)).map((row) => [row.status, row.report_time])).toEqual([['sent', new Date(recent.boundary.getTime() - MINUTE).toISOString()]]);
  });

  it('holds usage of a customer that cannot be billed yet, and reports it with its own time once a period covers it', async () => {
    const customer = await billedCustomer(testApp);
    const used = secondsFromNow(-30 * MINUTE);
    await recordUsage(testApp, customer.id, 'adjusted', 11, used);

    expect(await runReporter(testApp)).toMatchObject({ sent: 0 });
    expect((await reportRows(testApp, customer.id)).map((row) => [row.status, row.units])).toEqual([['held', '11']]);
    const held = await testApp.http.get('/v1/reporting/status').expect(200);
    expect(held.body.backlog.held.events).toBeGreaterThanOrEqual(1);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(0);

    await subscribeWithPeriods(testApp, customer.id, adjusted.id, [{ start: new Date(used.getTime() - DAY), end: new Date(used.getTime() + 29 * DAY) }]);
    expect(await runReporter(testApp)).toMatchObject({ released: 1, sent: 1 });
    expect((await reportRows(testApp, customer.id)).map((row) => [row.status, row.units, row.late_adjustment])).toEqual([['sent', '11', false]]);
    expect(meterEventsOf(emulator, customer.stripeCustomerId).map((event) => [event.value, event.timestamp])).toEqual([[11, seconds(used)]]);
  });

  it('reports usage from before a subscription began as a late adjustment at the start of the first period', async () => {
    const customer = await billedCustomer(testApp);
    await recordUsage(testApp, customer.id, 'adjusted', 2, secondsFromNow(-3 * HOUR));
    await runReporter(testApp);
    expect((await reportRows(testApp, customer.id)).map((row) => row.status)).toEqual(['held']);

    const start = secondsFromNow(-HOUR);
    await subscribeWithPeriods(testApp, customer.id, adjusted.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
    expect(await runReporter(testApp)).toMatchObject({ released: 1, sent: 1 });
    expect(meterEventsOf(emulator, customer.stripeCustomerId).map((event) => [event.value, event.timestamp])).toEqual([[2, seconds(start)]]);
  });

  it('moves a claimed report whose period closed before it was ever sent to the late policy instead of sending it into a final invoice', async () => {
    const { customer, boundary } = await customerWithClosedPeriod(adjusted, 10 * MINUTE, false);
    // claimed on time by a run that stopped before sending, then the invoice is finalized
    await recordUsage(testApp, customer.id, 'adjusted', 5, new Date(boundary.getTime() - MINUTE));
    const reports = testApp.app.get(UsageReportsRepository);
    await reports.waitForOlderTransactions(5000);
    await reports.claimNewEvents();
    expect((await reportRows(testApp, customer.id)).map((row) => [row.status, row.late_adjustment])).toEqual([['pending', false]]);
    await testApp.sql(`update billing_periods set invoice_finalized_at = now() where customer_id = ? and period_end = ?`, [customer.id, boundary]);

    expect(await runReporter(testApp)).toMatchObject({ sent: 1 });
    expect(meterEventsOf(emulator, customer.stripeCustomerId).map((event) => [event.value, event.timestamp])).toEqual([[5, seconds(boundary)]]);
  });
});
