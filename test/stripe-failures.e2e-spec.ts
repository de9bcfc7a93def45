import type Stripe from 'stripe';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { STRIPE_EMULATOR } from '../src/stripe/stripe.constants';
import { meterDefinition } from './support/catalogue';
import { startTestApp, type TestApp } from './support/test-app';

/** What callers see when Stripe fails, and that a retry completes the work without duplicates. */
describe('Stripe failures on the catalogue and customer routes (e2e, fault injection)', () => {
  let testApp: TestApp;
  let stripe: Stripe;
  let emulator: StripeEmulator;

  beforeAll(async () => {
    testApp = await startTestApp({ STRIPE_MAX_NETWORK_RETRIES: '1' });
    stripe = testApp.app.get(STRIPE_CLIENT);
    emulator = testApp.app.get(STRIPE_EMULATOR);
  });
  afterEach(() => emulator.faults.clear());
  afterAll(() => testApp.close());

  const metersNamed = async (eventName: string) => (await stripe.billing.meters.list({ limit: 100 })).data.filter((meter) => meter.event_name === eventName);

  it('completes a meter whose price failed after its billing meter was created, without a second meter or price', async () => {
    emulator.faults.add({ kind: 'server_error', count: 2, method: 'POST', pathPrefix: '/v1/prices' });
    const failed = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'half_made' })).expect(503);
    expect(failed.body).toMatchObject({ error: 'STRIPE_UNAVAILABLE', details: [{ retryable: true }] });
    const [row] = await testApp.sql<{ stripe_meter_id: string | null; stripe_price_id: string | null }>(`select stripe_meter_id, stripe_price_id from meters where key = 'half_made'`);
    expect(row.stripe_meter_id).toMatch(/^mtr_/);
    expect(row.stripe_price_id).toBeNull();

    const completed = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'half_made' })).expect(200);
    expect(completed.body.stripeMeterId).toBe(row.stripe_meter_id);
    expect(completed.body.stripePriceId).toMatch(/^price_/);
    expect(await metersNamed('meterbridge_half_made')).toHaveLength(1);
    const prices = await stripe.prices.list({ limit: 100 });
    expect(prices.data.filter((price) => price.recurring?.meter === row.stripe_meter_id)).toHaveLength(1);
  });

  it('does not create a second billing meter when Stripe kept the first but the answer was lost', async () => {
    emulator.faults.add({ kind: 'drop_connection', count: 2, method: 'POST', pathPrefix: '/v1/billing/meters' });
    await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'lost_answer' })).expect(503);
    expect(await metersNamed('meterbridge_lost_answer')).toHaveLength(1);
    await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'lost_answer' })).expect(200);
    expect(await metersNamed('meterbridge_lost_answer')).toHaveLength(1);
  });

  it('keeps no local meter when Stripe refuses its price, and registers the corrected meter with the same Stripe meter', async () => {
    emulator.faults.add({ kind: 'invalid_request', count: 1, method: 'POST', pathPrefix: '/v1/prices' });
    const refused = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'refused_price', currency: 'xts' })).expect(422);
    expect(refused.body.error).toBe('STRIPE_REJECTED');
    expect(await testApp.sql(`select id from meters where key = 'refused_price'`)).toHaveLength(0);
    const [orphan] = await metersNamed('meterbridge_refused_price');

    const corrected = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'refused_price', currency: 'usd' })).expect(201);
    expect(corrected.body.stripeMeterId).toBe(orphan?.id);
    expect(await metersNamed('meterbridge_refused_price')).toHaveLength(1);
    expect((await stripe.prices.retrieve(corrected.body.stripePriceId)).currency).toBe('usd');
  });

  it('adopts the Stripe meter of an earlier attempt whose idempotency key has expired', async () => {
    const leftover = await stripe.billing.meters.create({ display_name: 'Left over', event_name: 'meterbridge_leftover', default_aggregation: { formula: 'sum' } });
    const registered = await testApp.http.post('/v1/meters').send(meterDefinition({ key: 'leftover' })).expect(201);
    expect(registered.body.stripeMeterId).toBe(leftover.id);
    expect(await metersNamed('meterbridge_leftover')).toHaveLength(1);
  });

  it('answers 503 while Stripe is down and completes the same customer on retry', async () => {
    emulator.faults.add({ kind: 'server_error', count: 2, method: 'POST', pathPrefix: '/v1/customers' });
    await testApp.http.post('/v1/customers').send({ externalId: 'flaky', email: 'flaky@example.test' }).expect(503);
    const [pending] = await testApp.sql<{ id: string; stripe_customer_id: string | null }>(`select id, stripe_customer_id from customers where external_id = 'flaky'`);
    expect(pending.stripe_customer_id).toBeNull();

    const retried = await testApp.http.post('/v1/customers').send({ externalId: 'flaky', email: 'flaky@example.test' }).expect(200);
    expect(retried.body.id).toBe(pending.id);
    expect(retried.body.stripeCustomerId).toMatch(/^cus_/);
    expect((await stripe.customers.list({ email: 'flaky@example.test', limit: 100 })).data).toHaveLength(1);
  });

  it('answers 422 with Stripe\'s message when Stripe refuses what the caller sent, and keeps nothing', async () => {
    const response = await testApp.http.post('/v1/customers').send({ externalId: 'bad-clock', email: 'clock@example.test', testClock: 'clock_doesnotexist' }).expect(422);
    expect(response.body.error).toBe('STRIPE_REJECTED');
    expect(response.body.message).toMatch(/clock_doesnotexist/);
    expect(await testApp.sql(`select id from customers where external_id = 'bad-clock'`)).toHaveLength(0);
    expect((await stripe.customers.list({ email: 'clock@example.test', limit: 100 })).data).toHaveLength(0);
  });
});
