import { NativeSql } from '../src/database/native-sql';
import { unitsOf, type LedgerPartial } from '../src/metering/billable-units';
import { BillableUnitsService } from '../src/metering/billable-units.service';
import type { MeterAggregation } from '../src/metering/meter.entity';
import { UsageAlertEvaluator } from '../src/notifications/usage-alert.evaluator';
import { insertCustomerRow, insertMeterRow, insertSubscriptionItemRow, type CustomerRow, type MeterRow } from './support/billing-rows';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 24 * 60 * 60 * 1000;

/** A small deterministic generator, so a failure can be replayed with its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RunningRow {
  customerId: string;
  meterId: string;
  periodStart: Date;
  periodEnd: Date;
  partial: LedgerPartial;
  aggregation: MeterAggregation;
}

describe('usage alert running units (e2e): what each pass adds agrees with the period recomputed from the ledger', () => {
  let testApp: TestApp;
  const meters: Array<MeterRow & { aggregation: MeterAggregation }> = [];
  const customers: CustomerRow[] = [];
  const recorded: Array<{ customerId: string; idempotencyKey: string; aggregation: MeterAggregation }> = [];
  let sequence = 0;

  beforeAll(async () => {
    // the evaluator runs only when the test says so
    testApp = await startTestApp({ USAGE_ALERTS_ENABLED: 'false', NOTIFICATION_DELIVERY_ENABLED: 'false', REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' });
    for (const aggregation of ['sum', 'count', 'last'] as const) meters.push({ ...(await insertMeterRow(testApp, { aggregation })), aggregation });
    for (let n = 0; n < 4; n++) customers.push(await insertCustomerRow(testApp));
    // one customer bills from a subscription period that started 10 days ago; the others by calendar month
    const periodStart = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);
    await insertSubscriptionItemRow(testApp, { customerId: customers[0]!.id, meterId: meters[0]!.id, periodStart, periodEnd: new Date(periodStart.getTime() + 30 * DAY) });
    // every customer of the sum and count meters is watched; of the last meter only two customers
    for (const meter of meters.slice(0, 2)) await testApp.http.post('/v1/usage-alerts').send({ meter: meter.key, threshold: 1e12, name: `all ${meter.key}` }).expect(201);
    for (const customer of customers.slice(0, 2)) await testApp.http.post('/v1/usage-alerts').send({ meter: meters[2]!.key, customerId: customer.id, threshold: 1e12, name: 'one' }).expect(201);
  });
  afterAll(() => testApp.close());

  const evaluate = () => testApp.app.get(UsageAlertEvaluator).evaluate();

  async function runningRows(): Promise<RunningRow[]> {
    const rows = await testApp.sql<{ customer_id: string; meter_id: string; period_start: Date; period_end: Date; partial: LedgerPartial }>('SELECT * FROM usage_alert_units');
    return rows.map((row) => ({
      customerId: row.customer_id,
      meterId: row.meter_id,
      periodStart: new Date(row.period_start),
      periodEnd: new Date(row.period_end),
      partial: row.partial,
      aggregation: meters.find((meter) => meter.id === row.meter_id)!.aggregation,
    }));
  }

  /** Every running row's units next to the units of its period recomputed from the whole ledger. */
  async function compared(): Promise<Array<{ pair: string; running: string; ledger: string }>> {
    const rows = await runningRows();
    const ledger = await testApp.app
      .get(NativeSql)
      .transaction((query) => testApp.app.get(BillableUnitsService).ofPeriods(query, rows.map((row) => ({ key: `${row.customerId}:${row.meterId}`, ...row }))));
    return rows.map((row) => {
      const pair = `${row.customerId}:${row.meterId}`;
      return { pair, running: unitsOf(row.aggregation, row.partial), ledger: ledger.get(pair)! };
    });
  }

  async function expectAgreement(): Promise<void> {
    const rows = await compared();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.running !== row.ledger)).toEqual([]);
  }

  /** Up to 30 events on random pairs, some old enough to belong to the previous period. */
  async function recordSomeUsage(random: () => number): Promise<void> {
    const events = Array.from({ length: 1 + Math.floor(random() * 30) }, () => {
      const customer = customers[Math.floor(random() * customers.length)]!;
      const meter = meters[Math.floor(random() * meters.length)]!;
      const idempotencyKey = `units-${++sequence}`;
      recorded.push({ customerId: customer.id, idempotencyKey, aggregation: meter.aggregation });
      const age = random() < 0.3 ? 11 * DAY + random() * 20 * DAY : random() * 2 * DAY;
      return { customerId: customer.id, meter: meter.key, value: Math.floor(random() * 1000), timestamp: new Date(Date.now() - age).toISOString(), idempotencyKey };
    });
    await testApp.http.post('/v1/usage/batch').send({ events }).expect(207);
  }

  async function correctSomeUsage(random: () => number): Promise<void> {
    for (let n = Math.floor(random() * 4); n > 0 && recorded.length; n--) {
      const { customerId, idempotencyKey, aggregation } = recorded[Math.floor(random() * recorded.length)]!;
      // a count meter's event can only be voided
      const value = aggregation === 'count' ? 0 : Math.floor(random() * 1500);
      await testApp.http
        .post('/v1/usage/corrections')
        .send({ customerId, idempotencyKey, value, reason: 'random correction', correctionKey: `fix-${++sequence}` })
        .expect(201);
    }
  }

  it('keeps running units equal to the full recomputation through random events, late events and corrections', async () => {
    const seed = Date.now() % 100_000;
    const random = generator(seed);
    for (let round = 0; round < 12; round++) {
      await recordSomeUsage(random);
      await correctSomeUsage(random);
      // a pass sometimes sees several rounds at once
      if (random() < 0.6) {
        await evaluate();
        await expectAgreement().catch((error: unknown) => {
          throw new Error(`seed ${seed}, round ${round}: ${String(error)}`);
        });
      }
    }
    await evaluate();
    await expectAgreement();
    // only watched pairs have running units: the last meter for its two alerted customers alone
    const lastMeterCustomers = (await runningRows()).filter((row) => row.meterId === meters[2]!.id).map((row) => row.customerId);
    expect(customers.slice(2).some((customer) => lastMeterCustomers.includes(customer.id))).toBe(false);
  });

  it('forgets a meter’s running units when one of its alerts is deleted, and recomputes them from the ledger at the next change', async () => {
    const alerts = (await testApp.http.get('/v1/usage-alerts').expect(200)).body.data as Array<{ id: string; meter: string }>;
    const sumAlert = alerts.find((alert) => alert.meter === meters[0]!.key)!;
    await testApp.http.delete(`/v1/usage-alerts/${sumAlert.id}`).expect(204);
    expect(await testApp.sql('SELECT 1 FROM usage_alert_units WHERE meter_id = ?', [meters[0]!.id])).toEqual([]);
    // unwatched meanwhile: this usage is not followed…
    await testApp.http.post('/v1/usage').send({ customerId: customers[1]!.id, meter: meters[0]!.key, value: 7, idempotencyKey: `units-${++sequence}` }).expect(202);
    await evaluate();
    expect(await testApp.sql('SELECT 1 FROM usage_alert_units WHERE meter_id = ?', [meters[0]!.id])).toEqual([]);
    // …and counts once the meter is watched again
    await testApp.http.post('/v1/usage-alerts').send({ meter: meters[0]!.key, threshold: 1e12, name: 'again' }).expect(201);
    await testApp.http.post('/v1/usage').send({ customerId: customers[1]!.id, meter: meters[0]!.key, value: 3, idempotencyKey: `units-${++sequence}` }).expect(202);
    await evaluate();
    expect((await runningRows()).filter((row) => row.meterId === meters[0]!.id)).toHaveLength(1);
    await expectAgreement();
  });
});
