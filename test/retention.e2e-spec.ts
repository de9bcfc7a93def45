import pg from 'pg';
import { BillableUnitsService, type PeriodUnitsInput } from '../src/metering/billable-units.service';
import { RetentionService } from '../src/retention/retention.service';
import { retentionHorizon } from '../src/retention/retention-run';
import { seedYearOfUsage, type SeededLedger } from './support/retention-ledger';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 24 * 60 * 60 * 1000;
const iso = (date: Date | number) => new Date(date).toISOString();
const QUIET = { REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', RETENTION_ENABLED: 'false', USAGE_ALERTS_ENABLED: 'false', INVOICE_VERIFICATION: 'off' };

/**
 * The retention rollup (docs/retention.md) on a year of usage at small scale: every window the
 * service reads answers the same before and after, and only the horizon stays raw.
 */
describe('usage retention (e2e)', () => {
  let testApp: TestApp;
  let client: pg.Client;
  let ledger: SeededLedger;
  const now = Date.now();
  const horizon = retentionHorizon(now, 90);

  beforeAll(async () => {
    testApp = await startTestApp(QUIET);
    client = new pg.Client({ connectionString: testApp.database.url });
    await client.connect();
    ledger = await seedYearOfUsage(testApp, now);
  });
  afterAll(async () => {
    await client.end();
    await testApp.close();
  });

  /** Every UTC calendar month and UTC day of the year, and every billing period: windows whose edges are bucket boundaries. */
  function windows(): { from: string; to: string; meter?: string }[] {
    const months = Array.from({ length: 13 }, (_, index) => {
      const today = new Date(now);
      return { from: iso(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 12 + index, 1)), to: iso(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11 + index, 1)) };
    });
    const aroundHorizon = Array.from({ length: 8 }, (_, index) => ({ from: iso(horizon.getTime() + (index - 4) * DAY), to: iso(horizon.getTime() + (index - 3) * DAY) }));
    const periods = ledger.periods.flatMap((period) => ['calls', 'seats'].map((meter) => ({ meter, from: iso(period.start), to: iso(period.end) })));
    return [...months, ...aroundHorizon, ...periods];
  }

  /** The totals of a window, without `asOf` (the read's time). */
  async function totals(window: Record<string, string> = {}): Promise<unknown> {
    const { asOf, ...body } = (await testApp.http.get(`/v1/customers/${ledger.customerId}/usage`).query(window).expect(200)).body;
    expect(Date.parse(asOf)).toBeGreaterThan(now - 60_000);
    return body;
  }

  async function allTotals(): Promise<unknown[]> {
    const answers: unknown[] = [await totals()];
    for (const window of windows()) answers.push({ window, body: await totals(window) });
    return answers;
  }

  async function billableUnits(): Promise<Map<string, string>> {
    const periods: PeriodUnitsInput[] = ledger.periods.flatMap((period) =>
      (['calls', 'seats'] as const).map((meter) => ({ key: `${meter}@${iso(period.start)}`, customerId: ledger.customerId, meterId: ledger.meters[meter], periodStart: period.start, periodEnd: period.end })),
    );
    const query = async <R>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as R[];
    return testApp.app.get(BillableUnitsService).ofPeriods(query, periods);
  }

  const rawCount = async (where = 'true') => (await testApp.sql<{ n: number }>(`select count(*)::int as n from usage_events where ${where}`))[0]!.n;

  it('rolls a year up into usage_daily, keeps only the horizon raw, and every window answers as before', async () => {
    // kept raw whatever their age: a corrected event (beside its correction) and the events of a report still queued
    const [corrected] = await testApp.sql<{ id: string; value: string; event_time: Date }>(
      `select id::text, value::text, event_time from usage_events where meter_id = ? and event_time < ? order by event_time limit 1 offset 40`,
      [ledger.meters.seats, iso(horizon.getTime() - 60 * DAY)],
    );
    await testApp.sql(
      `insert into usage_corrections (event_id, customer_id, meter_id, correction_key, value, previous_value, report_units, billable, reason, created_by, billing, event_time)
       values (?, ?, ?, 'fix-1', 999, ?, 999, true, 'test', 'test', 'late', ?)`,
      [corrected!.id, ledger.customerId, ledger.meters.seats, corrected!.value, iso(corrected!.event_time)],
    );
    const queuedDay = iso(horizon.getTime() - 100 * DAY);
    await testApp.sql(`insert into report_queue (report_id, state) select id, 'failed' from usage_reports where window_start = ? and meter_id = ?`, [queuedDay, ledger.meters.calls]);

    const totalsBefore = await allTotals();
    const unitsBefore = await billableUnits();
    const oldBefore = await rawCount(`event_time < '${iso(horizon)}'`);

    const result = await testApp.app.get(RetentionService).runIfIdle(now);

    expect(result?.horizon).toEqual(horizon);
    // 1 corrected + the 4 events of the queued report's day stay; the rest before the horizon is gone
    expect(await rawCount(`event_time < '${iso(horizon)}'`)).toBe(5);
    expect(result?.deleted).toBe(oldBefore - 5);
    expect(await rawCount()).toBe(ledger.events - result!.deleted);
    const [rolled] = await testApp.sql<{ events: string }>(`select sum(event_count)::text as events from usage_daily`);
    expect(Number(rolled!.events)).toBe(result!.deleted);

    expect(await allTotals()).toEqual(totalsBefore);
    expect(await billableUnits()).toEqual(unitsBefore);
    // the year had usage in every window: the comparison was not between empty answers
    expect(unitsBefore.size).toBeGreaterThan(20);
    expect([...unitsBefore.values()].filter((units) => units !== '0').length).toBeGreaterThan(20);
  });

  it('a last meter event kept raw is not its period\'s latest when later events of the period were rolled up', async () => {
    // the corrected seats event of the first test stayed raw; every later event of its period is in usage_daily now
    const [kept] = await testApp.sql<{ idempotency_key: string }>(
      `select e.idempotency_key from usage_events e join usage_corrections c on c.event_id = e.id where e.meter_id = ?`,
      [ledger.meters.seats],
    );
    const answer = await testApp.http
      .post('/v1/usage/corrections')
      .send({ customerId: ledger.customerId, idempotencyKey: kept!.idempotency_key, value: 5, reason: 'test', correctionKey: 'fix-2' })
      .expect(201);
    expect(answer.body).toMatchObject({ billable: false });
  });

  it('shows the retention state in the status route and the metrics', async () => {
    const status = (await testApp.http.get('/v1/reporting/status').expect(200)).body.retention;
    const [rolledUp] = await testApp.sql<{ events: string }>(`select sum(event_count)::text as events from usage_daily`);
    expect(status).toMatchObject({ retentionDays: 90, horizon: iso(horizon), lastRunDeleted: rolledUp!.events, deletedTotal: rolledUp!.events, lastError: null });
    expect(Date.parse(status.lastRollupAt)).toBeGreaterThanOrEqual(now);
    expect(Date.parse(status.oldestRawEventReceivedAt)).toBeLessThan(horizon.getTime());
    const metrics = (await testApp.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`^meterbridge_retention_deleted_events ${rolledUp!.events}$`, 'm'));
    expect(metrics).toMatch(/^meterbridge_retention_oldest_raw_event_age_seconds \d+/m);
  });

  it('refuses a retry of an event older than the horizon as expired, and stores nothing', async () => {
    const before = await rawCount();
    const old = { customerId: ledger.customerId, meter: 'calls', value: 3, timestamp: iso(horizon.getTime() - 1000), idempotencyKey: `calls-${Math.floor((horizon.getTime() - DAY) / 1000)}` };
    const single = await testApp.http.post('/v1/usage').send(old).expect(422);
    expect(single.body).toMatchObject({ error: 'USAGE_EVENT_EXPIRED' });
    const batch = await testApp.http.post('/v1/usage/batch').send({ events: [old] }).expect(207);
    expect(batch.body.results[0]).toMatchObject({ status: 'rejected', error: { statusCode: 422, error: 'USAGE_EVENT_EXPIRED' } });
    expect(await rawCount()).toBe(before);
  });

  it('answers a retry by its original\'s age, as the README says a client may retry', async () => {
    const stored = async (daysAgo: number) => {
      const [row] = await testApp.sql<{ key: string; value: string; event_time: Date }>(
        `select idempotency_key as key, value::text, event_time from usage_events where meter_id = ? and event_time < ? order by event_time desc limit 1`,
        [ledger.meters.calls, iso(now - daysAgo * DAY)],
      );
      return { customerId: ledger.customerId, meter: 'calls', value: Number(row!.value), timestamp: iso(row!.event_time), idempotencyKey: row!.key };
    };
    const before = await rawCount();
    // with its timestamp: a duplicate while that is at most 35 days old, then refused (never counted twice)
    const recent = await stored(10);
    expect((await testApp.http.post('/v1/usage').send(recent).expect(202)).body.status).toBe('duplicate');
    const older = await stored(50);
    expect((await testApp.http.post('/v1/usage').send(older).expect(422)).body.error).toBe('USAGE_TIMESTAMP_OUT_OF_RANGE');
    expect(await rawCount()).toBe(before);
    // without a timestamp, stamped now: a duplicate while the original's key is stored; once it was rolled up, a new event (the documented limit)
    const untimed = { ...older, timestamp: undefined };
    expect((await testApp.http.post('/v1/usage').send(untimed).expect(202)).body.status).toBe('duplicate');
    const rolledUpKey = `calls-${Math.floor((horizon.getTime() - 10 * DAY + 60 * 60 * 1000) / 1000)}`;
    expect(await rawCount(`idempotency_key = '${rolledUpKey}'`)).toBe(0);
    expect((await testApp.http.post('/v1/usage').send({ ...untimed, idempotencyKey: rolledUpKey }).expect(202)).body.status).toBe('accepted');
    expect(await rawCount()).toBe(before + 1);
    await testApp.sql(`delete from usage_events where idempotency_key = ?`, [rolledUpKey]);
  });

  it('refuses a window that starts inside a rolled-up day, which can no longer be split', async () => {
    const from = iso(horizon.getTime() - 30 * DAY + 6 * 60 * 60 * 1000);
    const response = await testApp.http.get(`/v1/customers/${ledger.customerId}/usage`).query({ from, to: iso(horizon.getTime() - 5 * DAY) }).expect(400);
    expect(response.body).toMatchObject({ error: 'USAGE_WINDOW_SPLITS_ROLLUP' });
  });

  it('is run by one replica at a time, and rolls up each event once when two run together', async () => {
    // a later horizon (ten days on) makes more events eligible for both replicas at once
    const later = now + 10 * DAY;
    const month = windows().find((window) => Date.parse(window.from) <= now - 85 * DAY && Date.parse(window.to) > now - 85 * DAY)!;
    const totalsBefore = await totals(month);
    const replica = await startTestApp(QUIET, { database: testApp.database });
    try {
      const results = await Promise.all([testApp.app.get(RetentionService).runIfIdle(later), replica.app.get(RetentionService).runIfIdle(later)]);
      const deleted = results.reduce((sum, result) => sum + (result?.deleted ?? 0), 0);
      expect(deleted).toBeGreaterThan(0);
      const [rolled] = await testApp.sql<{ events: string }>(`select sum(event_count)::text as events from usage_daily`);
      expect(Number(rolled!.events) + (await rawCount())).toBe(ledger.events);
      expect(await totals(month)).toEqual(totalsBefore);
    } finally {
      await replica.close();
    }
  });
});
