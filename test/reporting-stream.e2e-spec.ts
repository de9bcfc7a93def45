import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import type { TestApp } from './support/test-app';
import {
  billedCustomer,
  catalogueMeter,
  DAY,
  emulatorOf,
  HOUR,
  MINUTE,
  recordUsageBatch,
  reportRows,
  runReporter,
  startReportingApp,
  stripeCalls,
  stripeTotal,
  subscribeWithPeriods,
  type BilledCustomer,
  type UsageInput,
} from './support/reporting';

describe('reporter: v2 meter event stream (e2e, emulator over HTTP)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let customer: BilledCustomer;
  let ingested = 0;
  const hourNow = Math.floor(Date.now() / HOUR) * HOUR;

  /** Two events in each of `hours` hourly windows, ending `endHoursAgo` hours ago. */
  async function usage(hours: number, endHoursAgo: number): Promise<void> {
    const events: UsageInput[] = [];
    for (let hour = 0; hour < hours; hour += 1) {
      const window = hourNow - (endHoursAgo + hour) * HOUR;
      events.push({ customerId: customer.id, meter: 'streamed', value: 2, at: new Date(window + 5 * MINUTE) }, { customerId: customer.id, meter: 'streamed', value: 3, at: new Date(window + 50 * MINUTE) });
    }
    await recordUsageBatch(testApp, events);
    ingested += hours * 5;
  }

  beforeAll(async () => {
    testApp = await startReportingApp({ REPORTER_USE_V2_STREAM: 'true', STRIPE_MAX_NETWORK_RETRIES: '0' });
    emulator = emulatorOf(testApp);
    const meter = await catalogueMeter(testApp, 'streamed');
    customer = await billedCustomer(testApp);
    const start = new Date(hourNow - 20 * DAY + 17_000);
    await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
  });
  afterEach(() => emulator.faults.clear());
  afterAll(() => testApp.close());

  it('sends 250 windows in three stream requests of at most 100 events on one session, and Stripe counts them all', async () => {
    await usage(250, 1);
    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '500', sent: 250, failed: 0, retryLater: 0 });
    expect(await stripeCalls(testApp, 'meter_event_stream.create')).toBe(3);
    expect(await stripeCalls(testApp, 'meter_event_session.create')).toBe(1);
    emulator.flushMeterEventStream();
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });

  it('opens a new session when Stripe says the token expired, and resends the batch', async () => {
    emulator.state.wallClock.advance(16 * 60);
    await usage(3, 300);
    expect(await runReporter(testApp)).toMatchObject({ sent: 3, retryLater: 0 });
    expect(await stripeCalls(testApp, 'meter_event_session.create')).toBe(2);
    emulator.flushMeterEventStream();
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });

  it('delivers through a storm of 500s on the stream, each unit counted once', async () => {
    emulator.faults.add({ kind: 'server_error', share: 0.5, pathPrefix: '/v2/billing/meter_event_stream' });
    await usage(120, 310);
    let run = await runReporter(testApp);
    let sent = run.sent;
    for (let attempt = 0; run.retryLater > 0 && attempt < 5; attempt += 1) {
      run = await runReporter(testApp);
      sent += run.sent;
    }
    expect(run).toMatchObject({ retryLater: 0, failed: 0 });
    expect(sent).toBe(120);
    expect((await reportRows(testApp, customer.id)).filter((row) => row.status !== 'sent')).toEqual([]);
    emulator.flushMeterEventStream();
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(ingested);
  });
});
