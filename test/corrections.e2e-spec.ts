import { randomUUID } from 'node:crypto';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { reportIdentifier } from '../src/reporting/report-identifier';
import { startTestApp, type TestApp } from './support/test-app';
import {
  billedCustomer,
  catalogueMeter,
  DAY,
  emulatorOf,
  HOUR,
  MINUTE,
  runReporter,
  startReportingApp,
  stripeCalls,
  stripeTotal,
  subscribeWithPeriods,
  type BilledCustomer,
  type CatalogueMeter,
} from './support/reporting';

const hourStart = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR);

/** Corrections over HTTP, through the reporter, to what Stripe (the emulator) holds. */
describe('usage corrections (e2e: REST → reporter → emulator)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let calls: CatalogueMeter;
  let seats: CatalogueMeter;
  let gauge: CatalogueMeter;
  const periodStart = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);

  beforeAll(async () => {
    testApp = await startReportingApp();
    emulator = emulatorOf(testApp);
    calls = await catalogueMeter(testApp, 'calls');
    seats = await catalogueMeter(testApp, 'seats', { aggregation: 'count' });
    gauge = await catalogueMeter(testApp, 'gauge', { aggregation: 'last' });
  });
  afterAll(() => testApp.close());

  async function subscribed(...meters: CatalogueMeter[]): Promise<BilledCustomer> {
    const customer = await billedCustomer(testApp);
    for (const meter of meters) await subscribeWithPeriods(testApp, customer.id, meter.id, [{ start: periodStart, end: new Date(periodStart.getTime() + 30 * DAY) }]);
    return customer;
  }

  async function ingest(customerId: string, meter: string, value: number, at: Date, idempotencyKey = randomUUID()): Promise<string> {
    await testApp.http.post('/v1/usage').send({ customerId, meter, value, timestamp: at.toISOString(), idempotencyKey }).expect(202);
    return idempotencyKey;
  }

  const correct = (body: Record<string, unknown>) => testApp.http.post('/v1/usage/corrections').send({ reason: 'client sent the wrong value', correctionKey: randomUUID(), ...body });
  const totals = async (customerId: string, meter: string) => (await testApp.http.get(`/v1/customers/${customerId}/usage`).query({ meter }).expect(200)).body.meters[0];
  const corrections = () => testApp.sql<{ count: string }>('select count(*)::text as count from usage_corrections').then(([row]) => Number(row!.count));

  describe('bad input stores nothing', () => {
    let customer: BilledCustomer;
    let key: string;
    beforeAll(async () => {
      customer = await subscribed(calls, seats);
      key = await ingest(customer.id, 'calls', 5, hourStart(1));
    });

    it('answers 400 without a reason, or with a blank one, or without a value', async () => {
      const before = await corrections();
      for (const body of [{ reason: undefined }, { reason: '  ' }, { value: undefined }, { value: -1 }, { value: 1.5 }, { correctionKey: undefined }, { extra: true }]) {
        const response = await correct({ customerId: customer.id, idempotencyKey: key, value: 1, ...body }).expect(400);
        expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED' });
      }
      expect(await corrections()).toBe(before);
    });

    it('answers 404 for an unknown customer or event', async () => {
      expect((await correct({ customerId: randomUUID(), idempotencyKey: key, value: 1 }).expect(404)).body.error).toBe('CUSTOMER_NOT_FOUND');
      expect((await correct({ externalCustomerId: 'nobody', idempotencyKey: key, value: 1 }).expect(404)).body.error).toBe('CUSTOMER_NOT_FOUND');
      expect((await correct({ customerId: customer.id, idempotencyKey: 'never-sent', value: 1 }).expect(404)).body.error).toBe('USAGE_EVENT_NOT_FOUND');
      expect(await corrections()).toBe(0);
    });

    it('answers the trace route 404 for an unknown customer or event and 400 without its parameters', async () => {
      expect((await testApp.http.get('/v1/usage/events').query({ customerId: randomUUID(), idempotencyKey: key }).expect(404)).body.error).toBe('CUSTOMER_NOT_FOUND');
      expect((await testApp.http.get('/v1/usage/events').query({ customerId: customer.id, idempotencyKey: 'never-sent' }).expect(404)).body.error).toBe('USAGE_EVENT_NOT_FOUND');
      await testApp.http.get('/v1/usage/events').query({ customerId: customer.id }).expect(400);
      const trace = (await testApp.http.get('/v1/usage/events').query({ customerId: customer.id, idempotencyKey: key }).expect(200)).body;
      expect(trace).toMatchObject({ event: { value: '5', currentValue: '5' }, corrections: [], reports: [] });
    });

    it('answers 422 for amending a count meter event to a non-zero value', async () => {
      const seat = await ingest(customer.id, 'seats', 1, hourStart(1));
      const response = await correct({ customerId: customer.id, idempotencyKey: seat, value: 2 }).expect(422);
      expect(response.body.error).toBe('CORRECTION_NOT_APPLICABLE');
      expect(await corrections()).toBe(0);
    });
  });

  it('keeps every correction with who, when and why; a retry is the same correction (200), another body under the key a 409', async () => {
    const customer = await subscribed(calls);
    const key = await ingest(customer.id, 'calls', 1000, hourStart(2));
    const first = await correct({ customerId: customer.id, idempotencyKey: key, value: 10, correctionKey: 'fix-1' }).expect(201);
    expect(first.body).toMatchObject({ previousValue: '1000', value: '10', billing: 'pending', billable: true, meter: 'calls', createdBy: expect.stringMatching(/^mb_/) });
    const again = await correct({ customerId: customer.id, idempotencyKey: key, value: 10, correctionKey: 'fix-1' }).expect(200);
    expect(again.body).toEqual(first.body);
    expect((await correct({ customerId: customer.id, idempotencyKey: key, value: 11, correctionKey: 'fix-1' }).expect(409)).body.error).toBe('CORRECTION_KEY_CONFLICT');
    // a correction of a correction: the latest states the value
    const second = await correct({ customerId: customer.id, idempotencyKey: key, value: 12, correctionKey: 'fix-2', reason: 'it was 12 after all' }).expect(201);
    expect(second.body).toMatchObject({ previousValue: '10', value: '12' });
    const rows = await testApp.sql<{ value: string; reason: string }>('select value::text, reason from usage_corrections c where customer_id = ? order by id', [customer.id]);
    expect(rows).toEqual([
      { value: '10', reason: 'client sent the wrong value' },
      { value: '12', reason: 'it was 12 after all' },
    ]);
    expect(await testApp.sql('select value::text from usage_events where customer_id = ?', [customer.id])).toEqual([{ value: '1000' }]);
    expect(await totals(customer.id, 'calls')).toMatchObject({ ingested: '12', pending: '12' });
  });

  it('takes a batch of corrections with one result each', async () => {
    const customer = await subscribed(calls);
    const key = await ingest(customer.id, 'calls', 4, hourStart(2));
    const response = await testApp.http
      .post('/v1/usage/corrections/batch')
      .send({
        corrections: [
          { customerId: customer.id, idempotencyKey: key, value: 3, reason: 'r', correctionKey: 'b-1' },
          { customerId: customer.id, idempotencyKey: 'missing', value: 3, reason: 'r', correctionKey: 'b-2' },
          { customerId: customer.id, idempotencyKey: key, value: 3, correctionKey: 'b-3' },
          { customerId: customer.id, idempotencyKey: key, value: 3, reason: 'r', correctionKey: 'b-1' },
        ],
      })
      .expect(207);
    expect(response.body.results.map((result: { status: string; error?: { error: string } }) => [result.status, result.error?.error])).toEqual([
      ['created', undefined],
      ['rejected', 'USAGE_EVENT_NOT_FOUND'],
      ['rejected', 'VALIDATION_FAILED'],
      ['duplicate', undefined],
    ]);
    await testApp.http.post('/v1/usage/corrections/batch').send({ corrections: Array.from({ length: 1001 }, () => ({})) }).expect(413);
  });

  it('nets a correction made before reporting into the window report: nothing extra goes to Stripe', async () => {
    const customer = await subscribed(calls);
    const hour = hourStart(3);
    await ingest(customer.id, 'calls', 10, new Date(hour.getTime() + MINUTE));
    const wrong = await ingest(customer.id, 'calls', 5, new Date(hour.getTime() + 2 * MINUTE));
    expect((await correct({ customerId: customer.id, idempotencyKey: wrong, value: 0 }).expect(201)).body.billing).toBe('pending');
    await runReporter(testApp);
    const events = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true });
    expect(events.map((event) => [event.identifier, event.value, event.cancelled])).toEqual([[reportIdentifier(customer.id, calls.id, hour, 0), 10n, false]]);
    expect(await totals(customer.id, 'calls')).toMatchObject({ ingested: '10', reported: '10', pending: '0' });
  });

  it('within 24 hours cancels the reported event and resends the window total under a new identifier, once', async () => {
    const customer = await subscribed(calls);
    const hour = hourStart(3);
    await ingest(customer.id, 'calls', 7, new Date(hour.getTime() + MINUTE));
    const wrong = await ingest(customer.id, 'calls', 1000, new Date(hour.getTime() + 2 * MINUTE));
    await runReporter(testApp);
    expect((await correct({ customerId: customer.id, idempotencyKey: wrong, value: 10 }).expect(201)).body.billing).toBe('adjusting');
    await runReporter(testApp);
    await runReporter(testApp);
    const events = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true });
    expect(events.map((event) => [event.identifier, event.value, event.cancelled])).toEqual([
      [reportIdentifier(customer.id, calls.id, hour, 0), 1007n, true],
      [reportIdentifier(customer.id, calls.id, hour, 1), 17n, false],
    ]);
    expect(await totals(customer.id, 'calls')).toMatchObject({ ingested: '17', reported: '17', pending: '0' });
  });

  it('cancels and resends exactly once when the cancel is applied but its answer lost, and the resend fails until a later run', async () => {
    const customer = await subscribed(calls);
    const hour = hourStart(3);
    const wrong = await ingest(customer.id, 'calls', 300, new Date(hour.getTime() + MINUTE));
    await runReporter(testApp);
    await correct({ customerId: customer.id, idempotencyKey: wrong, value: 30 }).expect(201);
    // every cancel of this run is applied, then its connection dropped: the correction waits
    emulator.faults.add({ kind: 'drop_connection', share: 1, pathPrefix: '/v1/billing/meter_event_adjustments' });
    try {
      expect(await runReporter(testApp)).toMatchObject({ sent: 0, retryLater: 0 });
    } finally {
      emulator.faults.clear();
    }
    const original = reportIdentifier(customer.id, calls.id, hour, 0);
    expect(emulator.state.meterEvents.get(original)?.cancelled).toBe(true);
    // the next run cancels again (Stripe answers the same) and records it, but every send of the resend fails
    emulator.faults.add({ kind: 'server_error', share: 1, pathPrefix: '/v1/billing/meter_events' });
    try {
      expect(await runReporter(testApp)).toMatchObject({ sent: 0, retryLater: 1 });
    } finally {
      emulator.faults.clear();
    }
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(0);
    // then the recorded decision stands: the same value under the same identifier
    expect(await runReporter(testApp)).toMatchObject({ sent: 1 });
    expect(await runReporter(testApp)).toMatchObject({ sent: 0 });
    const events = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true });
    expect(events.map((event) => [event.identifier, event.value, event.cancelled])).toEqual([
      [original, 300n, true],
      [reportIdentifier(customer.id, calls.id, hour, 1), 30n, false],
    ]);
  });

  it('after 24 hours sends a compensating (negative) event instead', async () => {
    const customer = await subscribed(calls);
    const hour = hourStart(4);
    const wrong = await ingest(customer.id, 'calls', 1000, new Date(hour.getTime() + MINUTE));
    await runReporter(testApp);
    emulator.state.meterEvents.age(DAY + MINUTE / 1000, reportIdentifier(customer.id, calls.id, hour, 0));
    await correct({ customerId: customer.id, idempotencyKey: wrong, value: 10 }).expect(201);
    await runReporter(testApp);
    const events = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true });
    expect(events.map((event) => [event.identifier, event.value, event.cancelled])).toEqual([
      [reportIdentifier(customer.id, calls.id, hour, 0), 1000n, false],
      [reportIdentifier(customer.id, calls.id, hour, 1), -990n, false],
    ]);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(10);
  });

  it('count meters: a void removes the event from the count, a second void changes nothing', async () => {
    const customer = await subscribed(seats);
    const hour = hourStart(2);
    const keys = [];
    for (const minute of [1, 2, 3]) keys.push(await ingest(customer.id, 'seats', 1, new Date(hour.getTime() + minute * MINUTE)));
    await runReporter(testApp);
    await correct({ customerId: customer.id, idempotencyKey: keys[0], value: 0 }).expect(201);
    await correct({ customerId: customer.id, idempotencyKey: keys[0], value: 0 }).expect(201);
    await runReporter(testApp);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(2);
    expect(await totals(customer.id, 'seats')).toMatchObject({ ingested: '2', reported: '2', pending: '0' });
  });

  it('last meters: amending the latest event changes the reported value; an older one changes nothing billable', async () => {
    const customer = await subscribed(gauge);
    const hour = hourStart(2);
    const older = await ingest(customer.id, 'gauge', 7, new Date(hour.getTime() + MINUTE));
    const latest = await ingest(customer.id, 'gauge', 9, new Date(hour.getTime() + 2 * MINUTE));
    await runReporter(testApp);
    expect((await correct({ customerId: customer.id, idempotencyKey: older, value: 1 }).expect(201)).body).toMatchObject({ billable: false });
    expect((await correct({ customerId: customer.id, idempotencyKey: latest, value: 4 }).expect(201)).body).toMatchObject({ billable: true, billing: 'adjusting' });
    await runReporter(testApp);
    const live = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId });
    expect(live.map((event) => event.value)).toEqual([4n]);
    expect(await totals(customer.id, 'gauge')).toMatchObject({ ingested: '4', reported: '4' });
  });

  it('makes one correction of a key retried on two replicas at once', async () => {
    const customer = await subscribed(calls);
    const key = await ingest(customer.id, 'calls', 50, hourStart(2));
    const replica = await startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' }, { database: testApp.database });
    try {
      const body = { customerId: customer.id, idempotencyKey: key, value: 5, reason: 'double-sent', correctionKey: 'replicas' };
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, index) => (index % 2 ? replica : testApp).http.post('/v1/usage/corrections').send(body)),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
      expect(await testApp.sql('select id from usage_corrections where customer_id = ?', [customer.id])).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });

  it('counts every unit once when corrections race reporter runs', async () => {
    const customer = await subscribed(calls);
    const keys: string[] = [];
    for (let index = 0; index < 20; index += 1) keys.push(await ingest(customer.id, 'calls', 100, new Date(hourStart(5).getTime() + index * MINUTE)));
    const racing = keys.map((key, index) => correct({ customerId: customer.id, idempotencyKey: key, value: index }).then((response) => expect(response.status).toBe(201)));
    await Promise.all([...racing, runReporter(testApp), runReporter(testApp), runReporter(testApp)]);
    await runReporter(testApp);
    const expected = keys.reduce((total, _key, index) => total + index, 0);
    expect(stripeTotal(emulator, customer.stripeCustomerId)).toBe(expected);
    expect(await totals(customer.id, 'calls')).toMatchObject({ ingested: String(expected), reported: String(expected), pending: '0' });
  });

  it('leaves reconciliation with zero drift after every correction above has been reported', async () => {
    await runReporter(testApp);
    const run = (await testApp.http.post('/v1/reconciliation/runs').send({ from: new Date(Date.now() - 5 * DAY).toISOString() }).expect(201)).body;
    expect(run.compared).toBeGreaterThan(0);
    expect(run).toMatchObject({ driftCount: 0, drifts: [] });
  });
});

describe('usage corrections over the v2 stream (e2e: REST → reporter → emulator)', () => {
  let testApp: TestApp;
  let emulator: StripeEmulator;
  let calls: CatalogueMeter;

  beforeAll(async () => {
    testApp = await startReportingApp({ REPORTER_USE_V2_STREAM: 'true' });
    emulator = emulatorOf(testApp);
    calls = await catalogueMeter(testApp, 'calls');
  });
  afterAll(() => testApp.close());

  it('cancels the streamed event with a v2 adjustment and resends the window total', async () => {
    const customer = await billedCustomer(testApp);
    const start = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [{ start, end: new Date(start.getTime() + 30 * DAY) }]);
    const hour = hourStart(2);
    const idempotencyKey = randomUUID();
    await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'calls', value: 500, timestamp: new Date(hour.getTime() + MINUTE).toISOString(), idempotencyKey }).expect(202);
    await runReporter(testApp);
    emulator.flushMeterEventStream();
    await testApp.http.post('/v1/usage/corrections').send({ customerId: customer.id, idempotencyKey, value: 50, reason: 'tenfold', correctionKey: 'v2-fix' }).expect(201);
    await runReporter(testApp);
    emulator.flushMeterEventStream();
    expect(await stripeCalls(testApp, 'meter_event_adjustment.create')).toBe(1);
    const events = emulator.state.meterEvents.events({ customerId: customer.stripeCustomerId, includeCancelled: true });
    expect(events.map((event) => [event.identifier, event.value, event.cancelled])).toEqual([
      [reportIdentifier(customer.id, calls.id, hour, 0), 500n, true],
      [reportIdentifier(customer.id, calls.id, hour, 1), 50n, false],
    ]);
  });
});
