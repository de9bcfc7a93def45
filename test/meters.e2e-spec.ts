import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { createMeter, meterDefinition } from './support/catalogue';
import { startTestApp, type TestApp } from './support/test-app';

describe('meter catalogue (e2e, Stripe emulator over HTTP)', () => {
  let testApp: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    testApp = await startTestApp();
    stripe = testApp.app.get(STRIPE_CLIENT);
  });
  afterAll(() => testApp.close());

  const localMeterCount = async () => Number((await testApp.sql('select count(*)::int as n from meters'))[0].n);

  it('creates the Stripe billing meter and its metered price, and answers the same meter for the same key', async () => {
    const first = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'storage_gb', aggregation: 'last' })).expect(201);
    expect(first.body).toMatchObject({ key: 'storage_gb', aggregation: 'last', unitAmountDecimal: '0.5', currency: 'usd', active: true });

    const meter = await stripe.billing.meters.retrieve(first.body.stripeMeterId);
    expect(meter).toMatchObject({ event_name: 'meterbridge_storage_gb', default_aggregation: { formula: 'last' }, status: 'active' });
    const price = await stripe.prices.retrieve(first.body.stripePriceId);
    expect(price.recurring).toMatchObject({ usage_type: 'metered', meter: meter.id, interval: 'month' });
    expect(String(price.unit_amount_decimal)).toBe('0.5');

    const again = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'storage_gb', aggregation: 'last' })).expect(200);
    expect(again.body).toEqual(first.body);
    const meters = await stripe.billing.meters.list({ limit: 100 });
    expect(meters.data.filter((m) => m.event_name === 'meterbridge_storage_gb')).toHaveLength(1);
  });

  it('maps a local count meter onto a Stripe sum formula, because reports arrive pre-aggregated', async () => {
    const created = await createMeter(testApp.http, { key: 'requests', aggregation: 'count' });
    expect((await stripe.billing.meters.retrieve(created.stripeMeterId)).default_aggregation.formula).toBe('sum');
  });

  it('renames a meter in place but refuses a pricing change for an existing key', async () => {
    await createMeter(testApp.http, { key: 'seats' });
    const renamed = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'seats', displayName: 'Seats in use' })).expect(200);
    expect((await stripe.billing.meters.retrieve(renamed.body.stripeMeterId)).display_name).toBe('Seats in use');

    const conflict = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'seats', unitAmountDecimal: '2' })).expect(409);
    expect(conflict.body).toMatchObject({ error: 'METER_DEFINITION_CONFLICT', details: [{ field: 'unitAmountDecimal', stored: '0.5', requested: '2' }] });
  });

  it('lists the catalogue', async () => {
    const response = await testApp.http.get('/v1/meters').expect(200);
    expect(response.body.data.map((meter: { key: string }) => meter.key)).toEqual(expect.arrayContaining(['requests', 'seats', 'storage_gb']));
  });

  it.each([
    ['an upper-case key', { key: 'API_Calls' }],
    ['a key with a space', { key: 'api calls' }],
    ['an unknown aggregation', { aggregation: 'avg' }],
    ['a negative price', { unitAmountDecimal: '-1' }],
    ['a price with 13 decimals', { unitAmountDecimal: '0.0000000000001' }],
    ['a bad currency', { currency: 'dollars' }],
    ['an unknown field', { color: 'blue' }],
  ])('rejects %s with a 400 and stores nothing', async (_name, override) => {
    const before = await localMeterCount();
    const stripeBefore = (await stripe.billing.meters.list({ limit: 100 })).data.length;
    const response = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'bad_input', ...override })).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED' });
    expect(await localMeterCount()).toBe(before);
    expect((await stripe.billing.meters.list({ limit: 100 })).data.length).toBe(stripeBefore);
  });
});
