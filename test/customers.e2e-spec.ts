import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { startTestApp, type TestApp } from './support/test-app';

describe('customers (e2e, Stripe emulator over HTTP)', () => {
  let testApp: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    testApp = await startTestApp();
    stripe = testApp.app.get(STRIPE_CLIENT);
  });
  afterAll(() => testApp.close());

  const customerRows = async () => Number((await testApp.sql<{ n: number }>('select count(*)::int as n from customers'))[0].n);

  it('creates the local and the Stripe customer once, then answers the same customer', async () => {
    const created = await testApp.http.post('/v1/customers').send({ externalId: 'acme', email: 'billing@acme.test', name: 'Acme' }).expect(201);
    expect(created.body).toMatchObject({ externalId: 'acme', email: 'billing@acme.test', name: 'Acme', status: 'active', subscription: null });
    const stripeCustomer = (await stripe.customers.retrieve(created.body.stripeCustomerId)) as Stripe.Customer;
    expect(stripeCustomer).toMatchObject({ email: 'billing@acme.test', metadata: { meterbridge_customer_id: created.body.id, external_id: 'acme' } });

    const again = await testApp.http.post('/v1/customers').send({ externalId: 'acme', email: 'billing@acme.test' }).expect(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.stripeCustomerId).toBe(created.body.stripeCustomerId);
  });

  it('gives 50 concurrent requests for one externalId exactly one local and one Stripe customer', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => testApp.http.post('/v1/customers').send({ externalId: 'race', email: 'race@example.test' })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([...Array(49).fill(200), 201]);
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(new Set(responses.map((response) => response.body.stripeCustomerId)).size).toBe(1);
    expect(await testApp.sql(`select id from customers where external_id = 'race'`)).toHaveLength(1);
    expect((await stripe.customers.list({ email: 'race@example.test', limit: 100 })).data).toHaveLength(1);
  });

  it('returns a customer by id and by externalId', async () => {
    const { body } = await testApp.http.post('/v1/customers').send({ externalId: 'lookup', email: 'lookup@example.test' });
    await testApp.http.get(`/v1/customers/${body.id}`).expect(200).expect((response) => expect(response.body).toEqual(body));
    const found = await testApp.http.get('/v1/customers').query({ externalId: 'lookup' }).expect(200);
    expect(found.body.data).toEqual([body]);
    expect((await testApp.http.get('/v1/customers').query({ externalId: 'nobody' }).expect(200)).body.data).toEqual([]);
  });

  it('answers unknown ids with a JSON 404, whatever their shape', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1'; drop table customers;--"]) {
      const response = await testApp.http.get(`/v1/customers/${encodeURIComponent(id)}`).expect(404);
      expect(response.body.error).toBe('CUSTOMER_NOT_FOUND');
    }
  });

  it.each([
    ['a missing email', { externalId: 'x1' }],
    ['a bad email', { externalId: 'x2', email: 'not-an-email' }],
    ['a missing externalId', { email: 'a@b.test' }],
    ['an empty externalId', { externalId: '', email: 'a@b.test' }],
    ['an unknown field', { externalId: 'x3', email: 'a@b.test', plan: 'gold' }],
    ['a non-string name', { externalId: 'x4', email: 'a@b.test', name: 42 }],
    ['a control character in the externalId', { externalId: 'a\u0001b', email: 'a@b.test' }],
  ])('rejects %s with a 400 and creates nothing here or in Stripe', async (_name, body) => {
    const before = await customerRows();
    const stripeBefore = (await stripe.customers.list({ limit: 100 })).data.length;
    const response = await testApp.http.post('/v1/customers').send(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', details: expect.any(Array) });
    expect(await customerRows()).toBe(before);
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(stripeBefore);
  });
});
