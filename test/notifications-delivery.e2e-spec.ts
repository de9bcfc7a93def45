import Stripe from 'stripe';
import { NativeSql } from '../src/database/native-sql';
import { NotificationOutbox } from '../src/notifications/notification-outbox';
import { insertCustomerRow, type CustomerRow } from './support/billing-rows';
import { eventually } from './support/eventually';
import { deliver, stripeEvent } from './support/signed-webhooks';
import { startTestApp, type TestApp } from './support/test-app';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

const STRIPE_SECRET = 'whsec_notifications_test';
const verifier = new Stripe('sk_test_verifier');

/** Fast schedule: 3 attempts, 50 ms doubling to 200 ms, half a second to answer. */
const FAST_DELIVERY = {
  STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
  NOTIFICATION_DELIVERY_POLL_MS: '50',
  NOTIFICATION_RETRY_BASE_MS: '50',
  NOTIFICATION_RETRY_MAX_DELAY_MS: '200',
  NOTIFICATION_MAX_ATTEMPTS: '3',
  NOTIFICATION_DELIVERY_TIMEOUT_MS: '500',
  NOTIFICATION_MAX_IN_FLIGHT_PER_ENDPOINT: '2',
  REPORTER_ENABLED: 'false',
  RECONCILIATION_ENABLED: 'false',
};

interface Delivery {
  id: string;
  notificationId: string;
  type: string;
  endpointId: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

const now = () => Math.floor(Date.now() / 1000);

describe('outgoing notifications: endpoints and delivery (e2e, real HTTP receiver)', () => {
  let testApp: TestApp;
  let receiver: WebhookReceiver;
  let customer: CustomerRow & { stripeCustomerId: string };
  let invoiceSequence = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    testApp = await startTestApp(FAST_DELIVERY);
    customer = { ...(await insertCustomerRow(testApp, { stripeCustomerId: 'cus_notified' })), stripeCustomerId: 'cus_notified' };
  });
  afterAll(async () => {
    await testApp.close();
    await receiver.close();
  });
  afterEach(async () => {
    // each test starts with no endpoint, so a fact it causes goes only to the endpoints it creates
    await testApp.sql('DELETE FROM notification_deliveries; DELETE FROM notification_endpoints');
    receiver.received.length = 0;
    receiver.failNext(0);
    receiver.delayNext(0, 0);
  });

  async function createEndpoint(events: string[] = ['customer.payment_failed'], url = receiver.url): Promise<{ id: string; secret: string }> {
    const response = await testApp.http.post('/v1/notification-endpoints').send({ url, events, description: 'test receiver' }).expect(201);
    return response.body;
  }

  /** A real fact: Stripe says the customer's payment failed (a signed webhook the app processes). */
  async function paymentFails(): Promise<string> {
    const event = stripeEvent('invoice.payment_failed', { id: `in_${++invoiceSequence}`, object: 'invoice', customer: customer.stripeCustomerId, amount_due: 1234, currency: 'usd', attempt_count: 1 }, now());
    await deliver(testApp.anonymous, event, { secret: STRIPE_SECRET }).expect(200);
    return event.id;
  }

  const ofType = (type: string) => (webhook: ReceivedWebhook) => JSON.parse(webhook.rawBody).type === type;

  async function deliveries(query: Record<string, string> = {}): Promise<Delivery[]> {
    return (await testApp.http.get('/v1/notifications').query(query).expect(200)).body.data;
  }

  async function deliveryEventually(predicate: (delivery: Delivery) => boolean): Promise<Delivery> {
    return eventually(async () => {
      const found = (await deliveries()).find(predicate);
      if (!found) throw new Error(`no delivery matches yet: ${JSON.stringify(await deliveries())}`);
      return found;
    });
  }

  it('creates an endpoint with a signing secret shown once and stored only encrypted', async () => {
    const created = await createEndpoint(['customer.payment_failed', 'usage.threshold_crossed']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    const [row] = await testApp.sql<{ secret_ciphertext: string }>('SELECT secret_ciphertext FROM notification_endpoints WHERE id = ?', [created.id]);
    expect(row!.secret_ciphertext).not.toContain(created.secret.slice(6));
    const listed = (await testApp.http.get('/v1/notification-endpoints').expect(200)).body.data;
    expect(listed).toEqual([expect.objectContaining({ id: created.id, url: receiver.url, events: ['customer.payment_failed', 'usage.threshold_crossed'], enabled: true })]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
  });

  it.each([
    ['a malformed URL', { url: 'not a url', events: ['report.failed'] }, 422],
    ['a scheme other than http(s)', { url: 'ftp://example.com/hook', events: ['report.failed'] }, 422],
    ['the cloud metadata address', { url: 'http://169.254.169.254/latest/meta-data', events: ['report.failed'] }, 422],
    ['an IPv4-mapped link-local address', { url: 'http://[::ffff:169.254.169.254]/', events: ['report.failed'] }, 422],
    ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/', events: ['report.failed'] }, 422],
    ['an unknown event type', { url: 'http://127.0.0.1/hook', events: ['invoice.exploded'] }, 400],
    ['no event type', { url: 'http://127.0.0.1/hook', events: [] }, 400],
    ['an unknown field', { url: 'http://127.0.0.1/hook', events: ['report.failed'], secret: 'mine' }, 400],
  ])('refuses %s with a 4xx and stores nothing', async (_case, body, status) => {
    const response = await testApp.http.post('/v1/notification-endpoints').send(body).expect(status);
    expect(response.body).toEqual(expect.objectContaining({ statusCode: status, error: expect.any(String), message: expect.any(String) }));
    expect(await testApp.sql('SELECT id FROM notification_endpoints')).toEqual([]);
  });

  it('delivers a fact as a POST the stripe SDK verifies with the endpoint secret', async () => {
    const endpoint = await createEndpoint(['customer.payment_failed', 'customer.status_changed']);
    const stripeEventId = await paymentFails();
    const [received] = await receiver.waitFor(1, ofType('customer.payment_failed'));
    const event = verifier.webhooks.constructEvent(received!.rawBody, received!.signature, endpoint.secret);
    expect(event).toEqual({
      id: expect.stringMatching(/^ntf_[0-9a-f]{32}$/),
      type: 'customer.payment_failed',
      created: expect.any(Number),
      data: { customerId: customer.id, externalCustomerId: customer.externalId, stripeCustomerId: 'cus_notified', stripeInvoiceId: `in_${invoiceSequence}`, amountDue: 1234, currency: 'usd', attemptCount: 1 },
    });
    expect(() => verifier.webhooks.constructEvent(received!.rawBody, received!.signature, 'whsec_someone_else')).toThrow();
    // the same Stripe event delivered again announces nothing twice
    await deliver(testApp.anonymous, { ...stripeEvent('invoice.payment_failed', {}, now(), stripeEventId) }, { secret: STRIPE_SECRET }).expect(200);
    const delivered = await deliveryEventually((delivery) => delivery.type === 'customer.payment_failed' && delivery.state === 'delivered');
    expect(delivered).toEqual(expect.objectContaining({ notificationId: event.id, endpointId: endpoint.id, attempts: 1, lastStatus: 200 }));
    expect((await deliveries()).filter((delivery) => delivery.type === 'customer.payment_failed')).toHaveLength(1);
    const metrics = (await testApp.anonymous.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`meterbridge_notification_deliveries_total\\{endpoint="${endpoint.id}",outcome="sent"\\} [1-9]`));
    expect(metrics).toContain(`meterbridge_notification_delivery_duration_seconds_count{endpoint="${endpoint.id}"}`);
  });

  it('retries a 500 and a timeout with the same notification id until the endpoint takes it', async () => {
    await createEndpoint();
    receiver.failNext(1, 500);
    receiver.delayNext(2, 1500); // the first (500) and the second (no answer within 500 ms) fail
    await paymentFails();
    const received = await receiver.waitFor(3, ofType('customer.payment_failed'));
    expect(new Set(received.map((webhook) => JSON.parse(webhook.rawBody).id)).size).toBe(1);
    const delivered = await deliveryEventually((delivery) => delivery.state === 'delivered');
    expect(delivered.attempts).toBe(3);
  });

  it('marks a delivery dead after the schedule, and redeliver sends it again with the same id', async () => {
    await createEndpoint();
    receiver.failNext(100, 503);
    await paymentFails();
    const dead = await deliveryEventually((delivery) => delivery.state === 'dead');
    expect(dead).toEqual(expect.objectContaining({ attempts: 3, lastStatus: 503, lastError: 'HTTP 503' }));
    expect(receiver.received).toHaveLength(3);
    expect((await deliveries({ state: 'dead' })).map((delivery) => delivery.id)).toEqual([dead.id]);

    receiver.failNext(0);
    const redelivered = await testApp.http.post(`/v1/notifications/${dead.id}/redeliver`).expect(202);
    expect(redelivered.body).toEqual(expect.objectContaining({ id: dead.id, state: 'pending', attempts: 0 }));
    await deliveryEventually((delivery) => delivery.id === dead.id && delivery.state === 'delivered');
    expect(receiver.received).toHaveLength(4);
    expect(JSON.parse(receiver.received[3]!.rawBody).id).toBe(dead.notificationId);
    await testApp.http.post('/v1/notifications/999999999/redeliver').expect(404);
    await testApp.http.post('/v1/notifications/not-a-number/redeliver').expect(404);
  });

  it('signs with both secrets during a rotation overlap, and only the new one without overlap', async () => {
    const endpoint = await createEndpoint();
    const rotated = (await testApp.http.post(`/v1/notification-endpoints/${endpoint.id}/rotate-secret`).send({}).expect(200)).body;
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated.previousSecretExpiresAt).toEqual(expect.any(String));
    await paymentFails();
    const [overlapping] = await receiver.waitFor(1);
    expect(overlapping!.signature.match(/v1=/g)).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.secret]) expect(() => verifier.webhooks.constructEvent(overlapping!.rawBody, overlapping!.signature, secret)).not.toThrow();

    const again = (await testApp.http.post(`/v1/notification-endpoints/${endpoint.id}/rotate-secret`).send({ overlapSeconds: 0 }).expect(200)).body;
    await paymentFails();
    const [, alone] = await receiver.waitFor(2);
    expect(() => verifier.webhooks.constructEvent(alone!.rawBody, alone!.signature, again.secret)).not.toThrow();
    expect(() => verifier.webhooks.constructEvent(alone!.rawBody, alone!.signature, rotated.secret)).toThrow();
  });

  it('disables an endpoint that answers 410 Gone; facts after that are not sent to it', async () => {
    const endpoint = await createEndpoint();
    receiver.failNext(1, 410);
    await paymentFails();
    await receiver.waitFor(1);
    const disabled = await eventually(async () => {
      const [listed] = (await testApp.http.get('/v1/notification-endpoints').expect(200)).body.data;
      if (listed.enabled) throw new Error('still enabled');
      return listed;
    });
    expect(disabled).toEqual(expect.objectContaining({ id: endpoint.id, enabled: false, disabledReason: 'the endpoint answered 410 Gone' }));
    await paymentFails();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
    // enabling it again sends what waited
    await testApp.http.patch(`/v1/notification-endpoints/${endpoint.id}`).send({ enabled: true }).expect(200);
    await receiver.waitFor(2);
  });

  it('keeps at most NOTIFICATION_MAX_IN_FLIGHT_PER_ENDPOINT requests open at one endpoint', async () => {
    const slow = await startWebhookReceiver();
    try {
      await createEndpoint(['customer.payment_failed'], slow.url);
      slow.delayNext(6, 200);
      for (let fact = 0; fact < 6; fact++) await paymentFails();
      await slow.waitFor(6, () => true, 15_000);
      expect(slow.maxConcurrent()).toBeLessThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  it('pages the delivery log by endpoint with a cursor', async () => {
    const first = await createEndpoint();
    const second = await createEndpoint();
    await paymentFails();
    await paymentFails();
    await eventually(async () => expect((await deliveries({ state: 'delivered' })).length).toBe(4));
    const page1 = (await testApp.http.get('/v1/notifications').query({ endpoint: first.id, limit: '1' }).expect(200)).body;
    expect(page1.data).toHaveLength(1);
    const page2 = (await testApp.http.get('/v1/notifications').query({ endpoint: first.id, limit: '1', cursor: page1.nextCursor }).expect(200)).body;
    expect(page2.data).toHaveLength(1);
    expect([page1.data[0].endpointId, page2.data[0].endpointId]).toEqual([first.id, first.id]);
    expect(page2.data[0].id).not.toBe(page1.data[0].id);
    expect((await testApp.http.get('/v1/notifications').query({ endpoint: second.id }).expect(200)).body.data).toHaveLength(2);
    await testApp.http.get('/v1/notifications').query({ state: 'exploded' }).expect(400);
  });

  it('documents every payload type in the OpenAPI document', async () => {
    const schemas = (await testApp.anonymous.get('/docs-json').expect(200)).body.components.schemas;
    for (const name of ['UsageThresholdCrossedData', 'InvoiceHoldData', 'ReportFailedData', 'ReconciliationDriftFoundData', 'CustomerPaymentFailedData', 'CustomerStatusChangedData']) {
      expect(schemas[name]).toEqual(expect.objectContaining({ type: 'object', properties: expect.any(Object) }));
    }
  });

  it('stores no notification for a fact whose transaction rolled back', async () => {
    await createEndpoint(['report.failed']);
    const outbox = testApp.app.get(NotificationOutbox);
    const draft = { type: 'report.failed' as const, key: 'rolled-back', data: { reportId: '1', customerId: customer.id, meter: 'm', windowStart: '', windowEnd: '', units: '1', reason: 'x' } };
    await expect(
      testApp.app.get(NativeSql).transaction(async (query) => {
        await outbox.enqueue(query, [draft]);
        throw new Error('the fact failed');
      }),
    ).rejects.toThrow('the fact failed');
    expect(await testApp.sql("SELECT id FROM notifications WHERE type = 'report.failed'")).toEqual([]);
  });
});

describe('outgoing notifications survive a crash between the fact and its delivery (e2e)', () => {
  it('delivers once the process is back, including a delivery whose sender died mid-send', async () => {
    const receiver = await startWebhookReceiver();
    // the first process records facts but dies before it sends anything
    const first = await startTestApp({ ...FAST_DELIVERY, NOTIFICATION_DELIVERY_ENABLED: 'false' });
    try {
      const { secret } = (await first.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['customer.payment_failed'] }).expect(201)).body;
      await insertCustomerRow(first, { stripeCustomerId: 'cus_crash' });
      for (const invoice of ['in_a', 'in_b']) {
        await deliver(first.anonymous, stripeEvent('invoice.payment_failed', { id: invoice, object: 'invoice', customer: 'cus_crash' }, now()), { secret: STRIPE_SECRET }).expect(200);
      }
      await eventually(async () => expect(await first.sql("SELECT id FROM notification_deliveries WHERE state = 'pending'")).toHaveLength(2));
      // one delivery was claimed by a sender that then died: its claim has lapsed
      await first.sql("UPDATE notification_deliveries SET state = 'sending', attempts = 1, next_attempt_at = now() - interval '1 second' WHERE id = (SELECT min(id) FROM notification_deliveries)");
      await first.app.close();

      const second = await startTestApp(FAST_DELIVERY, { database: first.database });
      try {
        const received = await receiver.waitFor(2);
        for (const webhook of received) expect(() => verifier.webhooks.constructEvent(webhook.rawBody, webhook.signature, secret)).not.toThrow();
        await eventually(async () => expect(await second.sql("SELECT state FROM notification_deliveries WHERE state <> 'delivered'")).toEqual([]));
      } finally {
        await second.close();
      }
    } finally {
      await first.database.drop();
      await receiver.close();
    }
  });
});
