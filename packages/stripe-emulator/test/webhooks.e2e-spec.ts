import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { clockedCustomer, meteredPlan, type MeteredPlan } from './support/billing-fixtures';
import { emulatorOf, emulatorOnly, eventually, nowSeconds, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

interface DeliveryView {
  event_id: string;
  event_type: string;
  copy: number;
  status: string;
  attempts: Array<{ status_code: number | null }>;
}

describe('events and webhook delivery', () => {
  let target: ContractTarget;
  let plan: MeteredPlan;
  let receiver: WebhookReceiver;

  async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${target.baseUrl}/_emulator${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await response.json()) as T;
  }

  /** Runs `act` with an endpoint on the local receiver, removed afterwards so later tests do not deliver to it. */
  async function withEndpoint(enabledEvents: Stripe.WebhookEndpointCreateParams.EnabledEvent[], act: (endpoint: Stripe.WebhookEndpoint) => Promise<void>): Promise<void> {
    const endpoint = await target.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: enabledEvents });
    try {
      await act(endpoint);
    } finally {
      await target.stripe.webhookEndpoints.del(endpoint.id);
      await emulatorOf(target).state.billing.webhooks.idle();
    }
  }

  /** Something that happens in Stripe: a new metered subscription (created, then its $0 first invoice). */
  async function subscribe(): Promise<Stripe.Subscription> {
    const { customer } = await clockedCustomer(target, nowSeconds() - 3600);
    return target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }], payment_behavior: 'default_incomplete' });
  }

  async function deliveriesOf(eventId: string): Promise<DeliveryView[]> {
    return (await control<{ data: DeliveryView[] }>('GET', `/webhook_deliveries?event=${eventId}`)).data;
  }

  beforeAll(async () => {
    target = await startContractTarget();
    plan = await meteredPlan(target);
    receiver = await startWebhookReceiver();
  });

  beforeEach(() => {
    receiver.received.length = 0;
  });

  afterEach(async () => {
    if (target.emulator) await control('POST', '/webhooks/settings', { duplicate: false, reorder: false, retry_delays_ms: [100, 300, 900] });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(plan.meter.id);
    await receiver.close();
    await target.close();
  });

  it('creates a webhook endpoint whose whsec_ secret is shown once, lists, disables and deletes it', async () => {
    const created = await target.stripe.webhookEndpoints.create({ url: 'https://example.com/webhooks/stripe', enabled_events: ['invoice.created', 'invoice.paid'], description: 'billing' });
    expect(created).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', url: 'https://example.com/webhooks/stripe', enabled_events: ['invoice.created', 'invoice.paid'], livemode: false });
    expect(created.secret).toMatch(/^whsec_/);
    const retrieved = await target.stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    expect((await target.stripe.webhookEndpoints.list({ limit: 100 })).data.map((endpoint) => endpoint.id)).toContain(created.id);
    expect(await target.stripe.webhookEndpoints.update(created.id, { disabled: true })).toMatchObject({ status: 'disabled' });
    expect(await target.stripe.webhookEndpoints.del(created.id)).toMatchObject({ id: created.id, deleted: true });
    expect(await stripeError(target.stripe.webhookEndpoints.retrieve(created.id))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  emulatorOnly('POSTs each enabled event with a Stripe-Signature that constructEvent verifies, and that fails for altered bytes', async () => {
    await withEndpoint(['customer.subscription.created'], async (endpoint) => {
      const subscription = await subscribe();
      const [delivered] = await receiver.waitFor(1);
      const event = target.stripe.webhooks.constructEvent(delivered?.rawBody ?? '', delivered?.signature ?? '', endpoint.secret ?? '');
      expect(event).toMatchObject({ object: 'event', type: 'customer.subscription.created', api_version: Stripe.API_VERSION, livemode: false, pending_webhooks: 1 });
      expect(event.data.object).toMatchObject({ id: subscription.id, status: 'active' });
      expect(await target.stripe.events.retrieve(event.id)).toMatchObject({ id: event.id, type: 'customer.subscription.created' });
      expect(delivered?.headers['content-type']).toMatch(/^application\/json/);
      expect(() => target.stripe.webhooks.constructEvent((delivered?.rawBody ?? '').replace('"active"', '"canceled"'), delivered?.signature ?? '', endpoint.secret ?? '')).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      // invoice.* happened too, but this endpoint did not ask for them
      await emulatorOf(target).state.billing.webhooks.idle();
      expect(receiver.bodies().map((body) => body.type)).toEqual(['customer.subscription.created']);
    });
  });

  emulatorOnly('retries a delivery answered with a non-2xx status until it succeeds, re-signing the same event', async () => {
    await withEndpoint(['customer.subscription.created'], async (endpoint) => {
      receiver.failNext(2, 503);
      await subscribe();
      const attempts = await receiver.waitFor(3);
      const events = attempts.map((attempt) => target.stripe.webhooks.constructEvent(attempt.rawBody, attempt.signature, endpoint.secret ?? ''));
      expect(new Set(events.map((event) => event.id)).size).toBe(1);
      expect(attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
      const [delivery] = await deliveriesOf(events[0]?.id ?? '');
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: [{ status_code: 503 }, { status_code: 503 }, { status_code: 200 }] });
    });
  });

  emulatorOnly('gives up after the configured retries and records the failed delivery', async () => {
    await control('POST', '/webhooks/settings', { retry_delays_ms: [10, 10] });
    await withEndpoint(['customer.subscription.created'], async () => {
      receiver.failNext(10);
      await subscribe();
      await receiver.waitFor(3);
      await emulatorOf(target).state.billing.webhooks.idle();
      expect(receiver.received).toHaveLength(3);
      const [delivery] = await deliveriesOf(receiver.bodies()[0]?.id ?? '');
      expect(delivery).toMatchObject({ status: 'failed', attempts: [{ status_code: 500 }, { status_code: 500 }, { status_code: 500 }] });
    });
  });

  emulatorOnly('delivers every event twice when asked to, with the same event id', async () => {
    await control('POST', '/webhooks/settings', { duplicate: true });
    await withEndpoint(['customer.subscription.created', 'invoice.created'], async () => {
      await subscribe();
      await receiver.waitFor(4);
      const ids = receiver.bodies().map((body) => body.id);
      expect(ids).toHaveLength(4);
      expect(new Set(ids).size).toBe(2);
      expect((await deliveriesOf(ids[0] ?? '')).map((delivery) => delivery.copy)).toEqual([1, 2]);
    });
  });

  emulatorOnly('delivers out of order when asked to: a burst of events arrives newest first', async () => {
    await control('POST', '/webhooks/settings', { reorder: true, reorder_window_ms: 50 });
    await withEndpoint(['*'], async () => {
      const subscription = await subscribe();
      const happened = (await target.stripe.events.list({ limit: 100 })).data.filter((event) => JSON.stringify(event.data.object).includes(subscription.id)).reverse();
      expect(happened.map((event) => event.type)).toEqual(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);
      // the customer and its test clock announce themselves too: look at the subscription's events
      const received = await eventually(
        async () => receiver.bodies().filter((body) => JSON.stringify(body.data).includes(subscription.id)),
        (bodies) => bodies.length >= happened.length,
      );
      expect(received.map((body) => body.id)).toEqual(happened.map((event) => event.id).reverse());
    });
  });

  emulatorOnly('sends v2 meter errors to a thin event destination, parsable with parseEventNotification and fetchable in full', async () => {
    const destination = await target.stripe.v2.core.eventDestinations.create({
      name: uniqueName('meter_errors'),
      type: 'webhook_endpoint',
      event_payload: 'thin',
      enabled_events: ['v1.billing.meter.no_meter_found'],
      webhook_endpoint: { url: receiver.url },
      include: ['webhook_endpoint.signing_secret', 'webhook_endpoint.url'],
    });
    const secret = destination.webhook_endpoint?.signing_secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(destination.webhook_endpoint?.url).toBe(receiver.url);
    expect((await target.stripe.v2.core.eventDestinations.retrieve(destination.id)).webhook_endpoint?.signing_secret).toBeUndefined();
    try {
      const session = await target.stripe.v2.billing.meterEventSession.create();
      await target.client({ secretKey: session.authentication_token }).v2.billing.meterEventStream.create({
        events: [{ event_name: uniqueName('no_such_meter'), identifier: randomUUID(), payload: { stripe_customer_id: 'cus_unknown', value: '1' } }],
      });
      emulatorOf(target).flushMeterEventStream();
      const [delivered] = await receiver.waitFor(1);
      const notification = target.stripe.parseEventNotification(delivered?.rawBody ?? '', delivered?.signature ?? '', secret);
      expect(notification).toMatchObject({ object: 'v2.core.event', type: 'v1.billing.meter.no_meter_found' });
      expect(JSON.parse(delivered?.rawBody ?? '{}')).not.toHaveProperty('data');
      const full = (await notification.fetchEvent()) as unknown as { id: string; data?: unknown };
      expect(full.id).toBe(notification.id);
      expect(full.data).toBeDefined();
      expect(() => target.stripe.webhooks.constructEvent(delivered?.rawBody ?? '', delivered?.signature ?? '', secret)).toThrow(/thin event/);
    } finally {
      await target.stripe.v2.core.eventDestinations.del(destination.id);
    }
  });

  it('lists events newest first, filtered by type', async () => {
    const subscription = await subscribe();
    const created = await target.stripe.events.list({ type: 'customer.subscription.created', limit: 100 });
    expect(created.data.every((event) => event.type === 'customer.subscription.created')).toBe(true);
    expect(created.data.map((event) => (event.data.object as Stripe.Subscription).id)).toContain(subscription.id);
    const timestamps = created.data.map((event) => event.created);
    expect([...timestamps].sort((a, b) => b - a)).toEqual(timestamps);
  });
});
