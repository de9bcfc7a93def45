import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { createCustomer, createMeter } from './support/catalogue';
import { startTestApp, type TestApp } from './support/test-app';

describe('subscriptions (e2e, Stripe emulator over HTTP)', () => {
  let testApp: TestApp;
  let stripe: Stripe;
  let meters: Record<string, { id: string; stripePriceId: string }>;

  beforeAll(async () => {
    testApp = await startTestApp();
    stripe = testApp.app.get(STRIPE_CLIENT);
    meters = {
      api_calls: await createMeter(testApp.http, { key: 'api_calls' }),
      storage_gb: await createMeter(testApp.http, { key: 'storage_gb', aggregation: 'last' }),
    };
  });
  afterAll(() => testApp.close());

  const subscriptionRows = async () => Number((await testApp.sql<{ n: number }>('select count(*)::int as n from subscriptions'))[0].n);

  it('subscribes a customer to every active meter, one item per meter mapped by price, each with its period', async () => {
    const customer = await createCustomer(testApp.http, 'sub-all');
    const response = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({}).expect(201);
    expect(response.body.items.map((item: { meter: string }) => item.meter)).toEqual(['api_calls', 'storage_gb']);

    const remote = await stripe.subscriptions.retrieve(response.body.stripeSubscriptionId);
    expect(remote.customer).toBe(customer.stripeCustomerId);
    for (const item of response.body.items) {
      const remoteItem = remote.items.data.find((candidate) => candidate.id === item.stripeItemId);
      expect(remoteItem?.price.id).toBe(meters[item.meter].stripePriceId);
      expect(item.currentPeriodStart).toBe(new Date((remoteItem?.current_period_start ?? 0) * 1000).toISOString());
      expect(item.currentPeriodEnd).toBe(new Date((remoteItem?.current_period_end ?? 0) * 1000).toISOString());
    }
    const stored = await testApp.sql<{ meter_id: string; periods: number }>(
      `select i.meter_id, count(p.id)::int as periods from subscription_items i join billing_periods p on p.subscription_item_id = i.id group by i.meter_id`,
    );
    expect(stored).toHaveLength(2);

    const shown = await testApp.http.get(`/v1/customers/${customer.id}`).expect(200);
    expect(shown.body.subscription).toMatchObject({ id: response.body.id, stripeSubscriptionId: response.body.stripeSubscriptionId });
  });

  it('answers 409 to a second subscription, and adds the meters a live one lacks', async () => {
    const customer = await createCustomer(testApp.http, 'sub-add');
    const first = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: ['api_calls'] }).expect(201);
    const conflict = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: ['api_calls'] }).expect(409);
    expect(conflict.body.error).toBe('SUBSCRIPTION_EXISTS');

    const added = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: ['api_calls', 'storage_gb'] }).expect(201);
    expect(added.body.id).toBe(first.body.id);
    expect(added.body.items.map((item: { meter: string }) => item.meter)).toEqual(['api_calls', 'storage_gb']);
    const remote = await stripe.subscriptions.retrieve(first.body.stripeSubscriptionId);
    expect(remote.items.data.map((item) => item.price.id).sort()).toEqual([meters.api_calls.stripePriceId, meters.storage_gb.stripePriceId].sort());
  });

  it('cancels at the period end by default and at once with the usage invoiced when asked', async () => {
    const later = await createCustomer(testApp.http, 'cancel-later');
    const laterSub = (await testApp.http.post(`/v1/customers/${later.id}/subscriptions`).send({}).expect(201)).body;
    const scheduled = await testApp.http.delete(`/v1/subscriptions/${laterSub.id}`).expect(200);
    expect(scheduled.body).toMatchObject({ cancelAtPeriodEnd: true });
    expect(scheduled.body.status).not.toBe('canceled');
    expect((await stripe.subscriptions.retrieve(laterSub.stripeSubscriptionId)).cancel_at_period_end).toBe(true);

    const now = await createCustomer(testApp.http, 'cancel-now');
    const nowSub = (await testApp.http.post(`/v1/customers/${now.id}/subscriptions`).send({}).expect(201)).body;
    const canceled = await testApp.http.delete(`/v1/subscriptions/${nowSub.id}`).query({ at: 'now' }).expect(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', canceledAt: expect.any(String) });
    const remote = await stripe.subscriptions.retrieve(nowSub.stripeSubscriptionId);
    expect(remote.status).toBe('canceled');
    const invoices = await stripe.invoices.list({ subscription: nowSub.stripeSubscriptionId, limit: 100 });
    expect(invoices.data.some((invoice) => invoice.billing_reason === 'subscription_cycle' || invoice.billing_reason === 'subscription_update' || invoice.billing_reason === 'manual')).toBe(true);

    await testApp.http.delete(`/v1/subscriptions/${nowSub.id}`).query({ at: 'now' }).expect(409);
    const shown = await testApp.http.get(`/v1/customers/${now.id}`).expect(200);
    expect(shown.body.subscription).toBeNull();
  });

  it.each([
    ['an unknown meter', { meters: ['nope'] }, 422, 'METER_NOT_FOUND'],
    ['a meter that is not a slug', { meters: ['Bad Key'] }, 400, 'VALIDATION_FAILED'],
    ['duplicate meters', { meters: ['api_calls', 'api_calls'] }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { plan: 'gold' }, 400, 'VALIDATION_FAILED'],
    ['a zero-day trial', { trialDays: 0 }, 400, 'VALIDATION_FAILED'],
  ])('rejects %s and stores nothing here or in Stripe', async (_name, body, status, code) => {
    const customer = await createCustomer(testApp.http, `bad-${code}-${status}-${JSON.stringify(body).length}`);
    const before = await subscriptionRows();
    const response = await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send(body).expect(status);
    expect(response.body.error).toBe(code);
    expect(await subscriptionRows()).toBe(before);
    expect((await stripe.subscriptions.list({ customer: customer.stripeCustomerId, limit: 100 })).data).toHaveLength(0);
  });

  it('answers an unknown customer or subscription with 404', async () => {
    await testApp.http.post('/v1/customers/00000000-0000-4000-8000-000000000000/subscriptions').send({}).expect(404);
    await testApp.http.delete('/v1/subscriptions/not-an-id').expect(404);
    await testApp.http.delete('/v1/subscriptions/00000000-0000-4000-8000-000000000000').query({ at: 'whenever' }).expect(400);
  });
});
