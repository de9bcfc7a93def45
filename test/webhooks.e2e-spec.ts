import { createCustomer } from './support/catalogue';
import { eventually } from './support/eventually';
import { deliver, stripeEvent } from './support/signed-webhooks';
import { startTestApp, type TestApp } from './support/test-app';

const CURRENT = 'whsec_current_secret_for_tests';
const PREVIOUS = 'whsec_previous_secret_for_tests';
const now = () => Math.floor(Date.now() / 1000);

describe('Stripe webhooks: verification, de-duplication, ordering (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ STRIPE_WEBHOOK_SECRET: `${CURRENT},${PREVIOUS}` });
  });
  afterAll(() => testApp.close());

  const storedEvent = async (id: string) => (await testApp.sql<{ status: string; attempts: number; last_error: string | null }>('select status, attempts, last_error from webhook_events where id = ?', [id]))[0];
  const eventCount = async () => Number((await testApp.sql<{ n: number }>('select count(*)::int as n from webhook_events'))[0].n);
  const customerStatus = async (id: string) => (await testApp.http.get(`/v1/customers/${id}`).expect(200)).body.status as string;

  it('accepts a correctly signed event without an API key, stores it and acknowledges it', async () => {
    const event = stripeEvent('product.created', { id: 'prod_x', object: 'product' }, now());
    const response = await deliver(testApp.anonymous, event, { secret: CURRENT }).expect(200);
    expect(response.body).toEqual({ received: true, duplicate: false });
    await eventually(async () => expect(await storedEvent(event.id)).toMatchObject({ status: 'ignored', attempts: 1 }));
    // event types nothing handles share one metric label, so Stripe's type list cannot blow up the series count
    const { text } = await testApp.anonymous.get('/metrics').expect(200);
    expect(text).toContain('meterbridge_webhook_events_total{type="other",outcome="ignored"}');
    expect(text).not.toContain('type="product.created"');
  });

  it('accepts an event signed with the previous secret during a rotation', async () => {
    const event = stripeEvent('product.updated', { id: 'prod_x', object: 'product' }, now());
    await deliver(testApp.anonymous, event, { secret: PREVIOUS }).expect(200);
  });

  it.each([
    ['a tampered body', { secret: CURRENT }, (payload: string) => payload.replace('product.deleted', 'product.updated'), 'WEBHOOK_SIGNATURE_INVALID'],
    ['a wrong secret', { secret: 'whsec_someone_else' }, undefined, 'WEBHOOK_SIGNATURE_INVALID'],
    ['a stale timestamp', { secret: CURRENT, timestamp: now() - 600 }, undefined, 'WEBHOOK_SIGNATURE_INVALID'],
  ])('refuses %s with a short 400 that names no secret, and stores nothing', async (_name, options, tamper, code) => {
    const before = await eventCount();
    const response = await deliver(testApp.anonymous, stripeEvent('product.deleted', { id: 'prod_y' }, now()), options, tamper).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: code });
    expect(JSON.stringify(response.body)).not.toMatch(/whsec_/);
    expect(await eventCount()).toBe(before);
  });

  it('refuses a delivery without a signature header', async () => {
    const response = await testApp.anonymous.post('/webhooks/stripe').send(stripeEvent('product.created', {}, now())).expect(400);
    expect(response.body.error).toBe('WEBHOOK_SIGNATURE_MISSING');
  });

  it('refuses a Stripe-Signature with an empty v1= with a 400, where the SDK threw a plain Error (500)', async () => {
    for (const signature of ['t=1,v1=', `t=${now()},v1=`, `t=${now()},v1`]) {
      const response = await testApp.anonymous.post('/webhooks/stripe').set('stripe-signature', signature).send(stripeEvent('product.created', {}, now())).expect(400);
      expect(response.body.error).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
  });

  it.each([
    ['a NUL character in the payload (jsonb refused it: 500)', stripeEvent('product.created', { name: 'a\u0000b' }, now())],
    ['a NUL character in the event id (text refused it: 500)', stripeEvent('product.created', {}, now(), 'evt_\u0000')],
    ['a created time before year 4713 BC (timestamptz refused it: 500)', stripeEvent('product.created', {}, -8_640_000_000_000)],
  ])('refuses a genuinely signed event with %s with a 400, storing nothing', async (_name, event) => {
    const before = await eventCount();
    const response = await deliver(testApp.anonymous, event, { secret: CURRENT }).expect(400);
    expect(response.body.error).toBe('WEBHOOK_EVENT_MALFORMED');
    expect(await eventCount()).toBe(before);
  });

  it('processes a repeated delivery once', async () => {
    const customer = await createCustomer(testApp.http, 'dup-delivery');
    const event = stripeEvent('invoice.payment_failed', { id: 'in_dup', object: 'invoice', customer: customer.stripeCustomerId }, now());
    await deliver(testApp.anonymous, event, { secret: CURRENT }).expect(200);
    const again = await deliver(testApp.anonymous, event, { secret: CURRENT }).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    await eventually(async () => expect(await storedEvent(event.id)).toMatchObject({ status: 'processed', attempts: 1 }));
    expect(await customerStatus(customer.id)).toBe('past_due');
  });

  it('orders billing status by Stripe creation time, whatever the delivery order', async () => {
    const customer = await createCustomer(testApp.http, 'out-of-order');
    const t = now();
    const failed = stripeEvent('invoice.payment_failed', { id: 'in_1', object: 'invoice', customer: customer.stripeCustomerId }, t - 60);
    const paid = stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice', customer: customer.stripeCustomerId }, t - 30);
    await deliver(testApp.anonymous, paid, { secret: CURRENT }).expect(200);
    await eventually(async () => expect((await storedEvent(paid.id)).status).toBe('processed'));
    await deliver(testApp.anonymous, failed, { secret: CURRENT }).expect(200);
    await eventually(async () => expect((await storedEvent(failed.id)).status).toBe('processed'));
    expect(await customerStatus(customer.id)).toBe('active');

    const failedLater = stripeEvent('invoice.payment_failed', { id: 'in_2', object: 'invoice', customer: customer.stripeCustomerId }, t);
    await deliver(testApp.anonymous, failedLater, { secret: CURRENT }).expect(200);
    await eventually(async () => expect(await customerStatus(customer.id)).toBe('past_due'));
  });

  it('lists failed and processed events for operators (admin only)', async () => {
    await testApp.anonymous.get('/v1/webhooks/events').expect(401);
    const response = await testApp.http.get('/v1/webhooks/events').query({ status: 'processed' }).expect(200);
    expect(response.body.data.length).toBeGreaterThan(0);
    expect(response.body.data[0]).toEqual(expect.objectContaining({ id: expect.any(String), type: expect.any(String), status: 'processed', attempts: 1 }));
  });
});
