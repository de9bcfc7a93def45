import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { NativeSql } from '../src/database/native-sql';
import { PlacedUnitsService } from '../src/reporting/placed-units.service';
import { lineFor, periodAnchor, startBillingCycle, type BillingCycle } from './support/billing-cycle';
import { createMeter } from './support/catalogue';
import { FAST_VERIFICATION, waitForVerification } from './support/period-close';
import type { TestApp } from './support/test-app';

const HOUR = 3600;

type Meter = Awaited<ReturnType<typeof createMeter>>;

/**
 * Late usage and late corrections at period close: under `next_period` the reporter carries them
 * into the open period (a meter event at its start), so the next invoice carries them and its
 * verification must count them there, not at their own time in the finalized period; under
 * `record_only` they are billed nowhere. Either way no invoice is held.
 */
describe('invoice verification of late usage (e2e: API → reporter → Stripe emulator → test clock → verification)', () => {
  let cycle: BillingCycle;
  let stripe: Stripe;
  let testApp: TestApp;
  let calls: Meter;
  let records: Meter;
  let seats: Meter;
  let gauge: Meter;

  beforeAll(async () => {
    cycle = await startBillingCycle(FAST_VERIFICATION);
    ({ stripe, testApp } = cycle);
    calls = await createMeter(testApp.http, { key: 'calls', aggregation: 'sum', unitAmountDecimal: '2', lateUsagePolicy: 'next_period' });
    records = await createMeter(testApp.http, { key: 'records', aggregation: 'sum', unitAmountDecimal: '1', lateUsagePolicy: 'record_only' });
    seats = await createMeter(testApp.http, { key: 'seats', aggregation: 'count', unitAmountDecimal: '100', lateUsagePolicy: 'next_period' });
    gauge = await createMeter(testApp.http, { key: 'gauge', aggregation: 'last', unitAmountDecimal: '10', lateUsagePolicy: 'next_period' });
  });
  afterAll(() => cycle.close(), 180_000);

  const ingest = async (customerId: string, meter: string, value: number, timestamp: number) => {
    const idempotencyKey = randomUUID();
    await testApp.http.post('/v1/usage').send({ customerId, meter, value, timestamp, idempotencyKey }).expect(202);
    return idempotencyKey;
  };
  const correct = async (customerId: string, idempotencyKey: string, value: number) =>
    (await testApp.http.post('/v1/usage/corrections').send({ customerId, idempotencyKey, value, reason: 'wrong value sent', correctionKey: randomUUID() }).expect(201)).body;
  const runReporter = async () => expect((await testApp.http.post('/v1/reporting/runs').send({}).expect(201)).body).toMatchObject({ failed: 0 });

  /** Closes the period ending at `periodEnd` with its verification decided in between: the draft, its check, then finalization. */
  async function closePeriod(clockId: string, subscriptionId: string, stripeCustomerId: string, periodEnd: number) {
    await cycle.advance(clockId, periodEnd + 60);
    await cycle.periodEventProcessed('invoice.created', periodEnd, stripeCustomerId);
    const invoice = (await stripe.invoices.list({ subscription: subscriptionId, limit: 100 })).data.find(
      (candidate) => candidate.period_end === periodEnd && candidate.billing_reason === 'subscription_cycle',
    )!;
    const verification = await waitForVerification(testApp, invoice.id, (v) => v.state !== 'pending');
    await cycle.advance(clockId, periodEnd + HOUR + 120);
    await cycle.periodEventProcessed('invoice.finalized', periodEnd, stripeCustomerId);
    return { verification, invoice: await stripe.invoices.retrieve(invoice.id) };
  }

  it('verifies the next invoice, carrying the late usage and corrections next_period put there, as matched; record_only ones are billed nowhere', async () => {
    const anchor = periodAnchor();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
    const name = `late-${randomUUID().slice(0, 8)}`;
    const customer = (await testApp.http.post('/v1/customers').send({ externalId: name, email: `${name}@example.test`, testClock: clock.id }).expect(201)).body;
    const subscription = (await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({}).expect(201)).body;
    const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
    const usageBase = Math.ceil(anchor / HOUR) * HOUR;
    // Stripe takes no meter event timed after the customer's clock
    await cycle.advance(clock.id, periodEnd - 120);

    const firstCall = await ingest(customer.id, 'calls', 20, usageBase + HOUR);
    const firstRecord = await ingest(customer.id, 'records', 20, usageBase + HOUR);
    const firstSeat = await ingest(customer.id, 'seats', 1, usageBase + HOUR);
    await ingest(customer.id, 'seats', 1, usageBase + HOUR);
    await ingest(customer.id, 'gauge', 9, usageBase + HOUR);
    await runReporter();
    const first = await closePeriod(clock.id, subscription.stripeSubscriptionId, customer.stripeCustomerId, periodEnd);
    expect(first.verification).toMatchObject({ state: 'matched' });
    expect(lineFor(first.invoice, calls.stripePriceId)?.quantity).toBe(20);

    // the first invoice is final: usage and corrections for its period are late from now on
    await ingest(customer.id, 'calls', 6, usageBase + 2 * HOUR);
    await ingest(customer.id, 'records', 6, usageBase + 2 * HOUR);
    await correct(customer.id, firstCall, 15);
    await correct(customer.id, firstRecord, 15);
    // two seats more and one of the first two voided: one seat more, on the next invoice
    await ingest(customer.id, 'seats', 1, usageBase + 2 * HOUR);
    await ingest(customer.id, 'seats', 1, usageBase + 2 * HOUR);
    await correct(customer.id, firstSeat, 0);
    for (let seat = 0; seat < 3; seat += 1) await ingest(customer.id, 'seats', 1, periodEnd + 60);
    // a late gauge reading lands at the next period's start, so the next period's own later reading is its last
    await ingest(customer.id, 'gauge', 7, usageBase + 2 * HOUR);
    await ingest(customer.id, 'gauge', 5, periodEnd + 60);
    await ingest(customer.id, 'calls', 50, periodEnd + 60);
    await ingest(customer.id, 'records', 50, periodEnd + 60);
    await runReporter();
    const reportsOfFirstPeriod = await testApp.sql<{ meter: string; units: string; late_adjustment: boolean; late_unbillable: boolean }>(
      `select m.key as meter, r.units::text as units, r.late_adjustment, r.late_unbillable from usage_reports r join meters m on m.id = r.meter_id
       where r.customer_id = ? and r.window_start < to_timestamp(?) and m.key in ('calls', 'records') order by m.key, r.units desc`,
      [customer.id, periodEnd],
    );
    expect(reportsOfFirstPeriod.map((row) => [row.meter, row.units, row.late_adjustment, row.late_unbillable])).toEqual([
      ['calls', '20', false, false],
      ['calls', '6', true, false],
      ['calls', '-5', true, false],
      ['records', '20', false, false],
      ['records', '6', false, true],
      ['records', '-5', false, true],
    ]);

    const [next] = await testApp.sql<{ end: string }>('select extract(epoch from max(period_end))::bigint::text as end from billing_periods where customer_id = ?', [customer.id]);
    const nextEnd = Number(next!.end);
    const second = await closePeriod(clock.id, subscription.stripeSubscriptionId, customer.stripeCustomerId, nextEnd);
    // calls: 50 of its own, 6 late and −5 corrected carried in at its start; records: only its own 50; seats: 3 and 2 − 1 carried in
    expect(second.verification.state).toBe('matched');
    expect(second.verification.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ meter: 'calls', ledgerUnits: '51', invoiceUnits: '51', unitDifference: '0' }),
        expect.objectContaining({ meter: 'records', ledgerUnits: '50', invoiceUnits: '50', unitDifference: '0' }),
        expect.objectContaining({ meter: 'seats', ledgerUnits: '4', invoiceUnits: '4', unitDifference: '0' }),
        expect.objectContaining({ meter: 'gauge', ledgerUnits: '5', invoiceUnits: '5', unitDifference: '0' }),
      ]),
    );
    expect(second.invoice.status).not.toBe('draft');
    expect(lineFor(second.invoice, calls.stripePriceId)?.quantity).toBe(51);
    expect(lineFor(second.invoice, records.stripePriceId)?.quantity).toBe(50);
    expect(lineFor(second.invoice, seats.stripePriceId)?.quantity).toBe(4);
    expect(lineFor(second.invoice, gauge.stripePriceId)?.quantity).toBe(5);
    expect(await testApp.sql(`select id from notifications where type like 'invoice.%'`)).toEqual([]);

    // the first period still counts what its invoice carried: the late units left it
    const placed = await testApp.app.get(NativeSql).transaction((query) =>
      testApp.app.get(PlacedUnitsService).ofPeriods(
        query,
        [calls, records, seats, gauge].map((meter) => ({ key: meter.key, customerId: customer.id, meterId: meter.id, periodStart: new Date(anchor * 1000), periodEnd: new Date(periodEnd * 1000) })),
      ),
    );
    expect(Object.fromEntries(placed)).toEqual({ calls: '20', records: '20', seats: '2', gauge: '9' });
  });
});
