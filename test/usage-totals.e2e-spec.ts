import { startTestApp, type TestApp } from './support/test-app';
import { insertCustomerRow, insertMeterRow, insertSubscriptionItemRow, type CustomerRow } from './support/billing-rows';

const DAY = 24 * 60 * 60 * 1000;
const iso = (millis: number) => new Date(millis).toISOString();

interface MeterTotals {
  meter: string;
  billable: boolean;
  periodStart: string;
  periodEnd: string;
  ingested: string;
  reported: string;
  pending: string;
  failed: string;
  lateUnbillable: string;
  estimatedAmount: string;
}

describe('GET /v1/customers/:id/usage (e2e)', () => {
  let testApp: TestApp;
  let sequence = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  async function record(customer: CustomerRow, meter: string, value: number, timestamp: number): Promise<void> {
    await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter, value, timestamp: iso(timestamp), idempotencyKey: `t-${++sequence}` }).expect(202);
  }

  async function totals(customer: CustomerRow, query: Record<string, string> = {}): Promise<MeterTotals[]> {
    const response = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query(query).expect(200);
    expect(response.body.customerId).toBe(customer.id);
    return response.body.meters;
  }

  const totalsOf = async (customer: CustomerRow, meter: string, query: Record<string, string> = {}) =>
    (await totals(customer, query)).find((row) => row.meter === meter);

  describe('with a subscription item: its current billing period', () => {
    // the period boundary one day ago, on a whole second
    const boundary = Math.floor((Date.now() - DAY) / 1000) * 1000;
    let customer: CustomerRow;

    beforeAll(async () => {
      customer = await insertCustomerRow(testApp, { stripeCustomerId: 'cus_period' });
      const meter = await insertMeterRow(testApp, { key: 'api_calls', unitAmountDecimal: '0.5' });
      await insertSubscriptionItemRow(testApp, { customerId: customer.id, meterId: meter.id, periodStart: new Date(boundary), periodEnd: new Date(boundary + 30 * DAY) });
      await record(customer, 'api_calls', 5, boundary - 1000); // last second of the previous period
      await record(customer, 'api_calls', 7, boundary); // first second of the current one
      await record(customer, 'api_calls', 100, Date.now() - 60_000);
    });

    it('sums the current period only: the event at its first second is in, the one a second earlier is not', async () => {
      expect(await totalsOf(customer, 'api_calls')).toEqual({
        meter: 'api_calls',
        currency: 'usd',
        billable: true,
        periodStart: iso(boundary),
        periodEnd: iso(boundary + 30 * DAY),
        ingested: '107',
        reported: '0',
        pending: '107',
        failed: '0',
        lateUnbillable: '0',
        estimatedAmount: '53.5',
      });
    });

    it('puts the event at the last second of the previous period in that period', async () => {
      expect(await totalsOf(customer, 'api_calls', { from: iso(boundary - 30 * DAY), to: iso(boundary) })).toMatchObject({
        periodStart: iso(boundary - 30 * DAY),
        periodEnd: iso(boundary),
        ingested: '5',
        pending: '5',
        estimatedAmount: '2.5',
      });
    });

    it('accepts unix seconds for the window and filters by meter', async () => {
      const rows = await totals(customer, { meter: 'api_calls', from: String((boundary - 1000) / 1000), to: String((boundary + 1000) / 1000) });
      expect(rows.map((row) => [row.meter, row.ingested])).toEqual([['api_calls', '12']]);
    });
  });

  describe('without a subscription item: the current UTC calendar month, not billable', () => {
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const nextMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);

    it('counts from the first second of the month and not the last second of the previous one', async () => {
      const customer = await insertCustomerRow(testApp, { stripeCustomerId: null });
      await insertMeterRow(testApp, { key: 'storage_gb', unitAmountDecimal: '2' });
      await record(customer, 'storage_gb', 3, monthStart - 1000);
      await record(customer, 'storage_gb', 4, monthStart);
      expect(await totalsOf(customer, 'storage_gb')).toMatchObject({
        billable: false,
        periodStart: iso(monthStart),
        periodEnd: iso(nextMonthStart),
        ingested: '4',
        pending: '4',
        estimatedAmount: '8',
      });
    });

    it('is not billable while the customer has no Stripe customer, even when subscribed', async () => {
      const customer = await insertCustomerRow(testApp, { stripeCustomerId: null });
      const meter = await insertMeterRow(testApp);
      await insertSubscriptionItemRow(testApp, { customerId: customer.id, meterId: meter.id, periodStart: new Date(Date.now() - DAY), periodEnd: new Date(Date.now() + DAY) });
      expect(await totalsOf(customer, meter.key)).toMatchObject({ billable: false, ingested: '0', estimatedAmount: '0' });
    });
  });

  it('keeps quantities beyond 2^53 and amounts exact, as decimal strings', async () => {
    const customer = await insertCustomerRow(testApp);
    const price = '0.123456789012';
    const meter = await insertMeterRow(testApp, { unitAmountDecimal: price });
    for (let index = 0; index < 10; index++) await record(customer, meter.key, 999_999_999_999_999, Date.now() - 1000);
    const units = 9_999_999_999_999_990n;
    const amount = units * 123_456_789_012n; // in units of 10^-12
    const expectedAmount = `${amount / 10n ** 12n}.${(amount % 10n ** 12n).toString().padStart(12, '0')}`.replace(/0+$/, '');
    expect(units > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(await totalsOf(customer, meter.key)).toMatchObject({ ingested: units.toString(), pending: units.toString(), estimatedAmount: expectedAmount });
  });

  it("aggregates per the meter's formula: count of events, last value", async () => {
    const customer = await insertCustomerRow(testApp);
    const counted = await insertMeterRow(testApp, { aggregation: 'count' });
    const last = await insertMeterRow(testApp, { aggregation: 'last' });
    for (const value of [5, 6, 7]) await record(customer, counted.key, value, Date.now() - 1000);
    await record(customer, last.key, 9, Date.now() - 1000);
    await record(customer, last.key, 4, Date.now() - 5000);
    expect((await totalsOf(customer, counted.key))?.ingested).toBe('3');
    expect((await totalsOf(customer, last.key))?.ingested).toBe('9');
  });

  it('lists inactive meters only when they have usage in the window or are asked for', async () => {
    const customer = await insertCustomerRow(testApp);
    const retired = await insertMeterRow(testApp, { active: false });
    expect(await totalsOf(customer, retired.key)).toBeUndefined();
    expect((await totals(customer, { meter: retired.key })).map((row) => [row.meter, row.ingested])).toEqual([[retired.key, '0']]);
  });

  it('answers a usage:read key and refuses a usage:write one', async () => {
    const customer = await insertCustomerRow(testApp);
    const path = `/v1/customers/${customer.id}/usage`;
    await testApp.anonymous.get(path).set('authorization', `Bearer ${await testApp.createKey('usage:read')}`).expect(200);
    await testApp.anonymous.get(path).set('authorization', `Bearer ${await testApp.createKey('usage:write')}`).expect(403);
  });

  it.each([
    ['an unknown customer', '00000000-0000-4000-8000-000000000000', {}, 404, 'CUSTOMER_NOT_FOUND'],
    ['a customer id that is no UUID', 'cus_123', {}, 400, 'VALIDATION_FAILED'],
    ['an unknown meter', undefined, { meter: 'no_such_meter' }, 422, 'METER_NOT_FOUND'],
    ['from without to', undefined, { from: '2026-11-01T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
    ['to before from', undefined, { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
    ['a from that is no date', undefined, { from: 'last week', to: '2026-11-01T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
    ['an unknown query parameter', undefined, { page: '2' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s', async (_name, id, query, status, code) => {
    const customer = await insertCustomerRow(testApp);
    const response = await testApp.http.get(`/v1/customers/${id ?? customer.id}/usage`).query(query).expect(status);
    expect(response.body).toMatchObject({ statusCode: status, error: code, message: expect.any(String) });
  });
});
