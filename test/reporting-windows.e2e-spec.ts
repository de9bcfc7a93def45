import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { reportIdentifier } from '../src/reporting/report-identifier';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { type Stripe } from '../src/stripe/stripe.constants';
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
  startReportingApp,
  stripeTotal,
  subscribeWithPeriods,
  type CatalogueMeter,
} from './support/reporting';

/** The start of the hour `hoursAgo` hours before now. */
const hourStart = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR);
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const byTime = <T extends { timestamp: number }>(events: T[]) => [...events].sort((a, b) => a.timestamp - b.timestamp);

describe('reporter: windows, identifiers and aggregations (e2e, emulator over HTTP)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let calls: CatalogueMeter;
  const periodStart = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000 + 17_000);
  const periodEnd = new Date(periodStart.getTime() + 30 * DAY);

  beforeAll(async () => {
    testApp = await startReportingApp();
    emulator = emulatorOf(testApp);
    calls = await catalogueMeter(testApp, 'calls');
  });
  afterAll(() => testApp.close());

  it('sends one meter event per customer × meter × window, timed by its latest event, with a deterministic identifier', async () => {
    const customer = await billedCustomer(testApp);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [{ start: periodStart, end: periodEnd }]);
    const first = hourStart(5);
    const second = hourStart(4);
    await recordUsage(testApp, customer.id, 'calls', 5, new Date(first.getTime() + 10 * MINUTE));
    await recordUsage(testApp, customer.id, 'calls', 7, new Date(first.getTime() + 20 * MINUTE));
    await recordUsage(testApp, customer.id, 'calls', 3, new Date(second.getTime() + 5 * MINUTE));

    const run = await runReporter(testApp);
    expect(run).toMatchObject({ claimedEvents: '3', sent: 2, failed: 0, retryLater: 0, error: null });

    expect(byTime(meterEventsOf(emulator, customer.stripeCustomerId))).toEqual([
      { identifier: reportIdentifier(customer.id, calls.id, first, 0), value: 12, timestamp: seconds(first) + 20 * 60, meterId: calls.stripeMeterId },
      { identifier: reportIdentifier(customer.id, calls.id, second, 0), value: 3, timestamp: seconds(second) + 5 * 60, meterId: calls.stripeMeterId },
    ]);
    const rows = await reportRows(testApp, customer.id);
    expect(rows.map((row) => [row.status, row.units, row.event_count, row.window_start, row.window_end])).toEqual([
      ['sent', '12', '2', first.toISOString(), new Date(first.getTime() + HOUR).toISOString()],
      ['sent', '3', '1', second.toISOString(), new Date(second.getTime() + HOUR).toISOString()],
    ]);

    // nothing new: nothing claimed, nothing sent again
    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '0', sent: 0 });
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(15);

    // usage arriving after its window was reported gets the window's next sequence
    await recordUsage(testApp, customer.id, 'calls', 4, new Date(first.getTime() + 30 * MINUTE));
    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '1', sent: 1 });
    const late = (await reportRows(testApp, customer.id)).find((row) => row.sequence === 1);
    expect(late).toMatchObject({ status: 'sent', units: '4', identifier: reportIdentifier(customer.id, calls.id, first, 1) });
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(19);
  });

  it('splits a window at a billing period boundary: the last second goes to the old period, the first second to the new one', async () => {
    const customer = await billedCustomer(testApp);
    // a recent boundary (the old period is still within its finalization grace), off the hour as an anchor puts it
    const recent = Math.floor((Date.now() - 20 * MINUTE) / 1000) * 1000;
    const boundary = new Date(recent % HOUR === 0 ? recent - 17_000 : recent);
    const hour = new Date(Math.floor(boundary.getTime() / HOUR) * HOUR);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [
      { start: new Date(boundary.getTime() - 30 * DAY), end: boundary },
      { start: boundary, end: new Date(boundary.getTime() + 30 * DAY) },
    ]);
    await recordUsage(testApp, customer.id, 'calls', 5, new Date(boundary.getTime() - 1000));
    await recordUsage(testApp, customer.id, 'calls', 7, boundary);

    expect(await runReporter(testApp)).toMatchObject({ sent: 2 });
    const rows = await reportRows(testApp, customer.id);
    const periods = await testApp.sql<{ id: string; period_start: Date }>('select id::text, period_start from billing_periods where customer_id = ? order by period_start', [customer.id]);
    expect(rows.map((row) => [row.window_start, row.window_end, row.units, row.billing_period_id])).toEqual([
      [hour.toISOString(), boundary.toISOString(), '5', periods[0]!.id],
      [boundary.toISOString(), new Date(hour.getTime() + HOUR).toISOString(), '7', periods[1]!.id],
    ]);
    expect(byTime(meterEventsOf(emulator, customer.stripeCustomerId)).map((event) => [event.value, event.timestamp])).toEqual([
      [5, seconds(boundary) - 1],
      [7, seconds(boundary)],
    ]);
  });

  it('bills a count meter by the number of events and a last meter by the latest value, as ingested', async () => {
    const requests = await catalogueMeter(testApp, 'requests', { aggregation: 'count' });
    const seats = await catalogueMeter(testApp, 'seats', { aggregation: 'last' });
    const customer = await billedCustomer(testApp);
    await subscribeWithPeriods(testApp, customer.id, requests.id, [{ start: periodStart, end: periodEnd }]);
    await subscribeWithPeriods(testApp, customer.id, seats.id, [{ start: periodStart, end: periodEnd }]);
    const window = hourStart(6);
    const at = (minutes: number) => new Date(window.getTime() + minutes * MINUTE);
    for (const value of [10, 20, 30]) await recordUsage(testApp, customer.id, 'requests', value, at(value));
    await recordUsage(testApp, customer.id, 'seats', 4, at(10));
    await recordUsage(testApp, customer.id, 'seats', 9, at(40));
    await recordUsage(testApp, customer.id, 'seats', 6, at(20));
    expect(await runReporter(testApp)).toMatchObject({ sent: 2 });

    // later claims: two more requests, an older seat count (not the latest), then a newer one in another window
    await recordUsage(testApp, customer.id, 'requests', 1, at(50));
    await recordUsage(testApp, customer.id, 'requests', 1, at(55));
    await recordUsage(testApp, customer.id, 'seats', 2, at(5));
    expect(await runReporter(testApp)).toMatchObject({ sent: 2 });
    const stripe = testApp.app.get<Stripe>(STRIPE_CLIENT);
    const billed = async (meter: CatalogueMeter) => {
      const summaries = await stripe.billing.meters.listEventSummaries(meter.stripeMeterId, {
        customer: customer.stripeCustomerId,
        start_time: Math.floor(periodStart.getTime() / 60_000) * 60,
        end_time: Math.ceil(periodEnd.getTime() / 60_000) * 60,
      });
      return summaries.data[0]?.aggregated_value;
    };
    expect(await billed(requests)).toBe(5);
    expect(await billed(seats)).toBe(9);

    await recordUsage(testApp, customer.id, 'seats', 3, hourStart(1));
    await runReporter(testApp);
    expect(await billed(seats)).toBe(3);
    const usage = await testApp.http.get(`/v1/customers/${customer.id}/usage`).expect(200);
    const totals = Object.fromEntries(usage.body.meters.map((row: { meter: string; ingested: string; reported: string; pending: string }) => [row.meter, row]));
    expect(totals.requests).toMatchObject({ ingested: '5', reported: '5', pending: '0' });
    expect(totals.seats).toMatchObject({ ingested: '3', reported: '3', pending: '0' });
  });
});
