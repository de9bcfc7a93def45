import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { advanceClock, clockedCustomer, meteredPlan } from './support/billing-fixtures';
import { emulatorOnly, eventually, nowSeconds, startContractTarget, uniqueName, type ContractTarget } from './support/stripe-contract';
import { startWebhookReceiver } from './support/webhook-receiver';

const DAY = 86_400;

/**
 * The v1 events Stripe sends for changes to customers, products, prices, meters and test clocks,
 * with `previous_attributes` on updates and `request` naming the API call that caused them (both
 * null for Stripe's own work, such as a test clock's billing).
 */
describe('events for every change, naming the request that caused it', () => {
  let target: ContractTarget;

  /** The event of `type` about the object `objectId` (events are listed within seconds in test mode). */
  async function eventAbout(type: string, objectId: string): Promise<Stripe.Event> {
    const found = await eventually(
      async () => (await target.stripe.events.list({ type, limit: 100 })).data.find((event) => (event.data.object as { id?: string }).id === objectId),
      (event) => event !== undefined,
    );
    if (!found) throw new Error(`no ${type} event about ${objectId}`);
    return found;
  }

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  it('tells of a customer created, updated and deleted; the request and its idempotency key are on each', async () => {
    const idempotencyKey = randomUUID();
    const customer = await target.stripe.customers.create({ email: `${uniqueName('events')}@example.com` }, { idempotencyKey });
    const created = await eventAbout('customer.created', customer.id);
    expect(created.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: idempotencyKey });
    expect(created.data.object).toMatchObject({ id: customer.id, email: customer.email });

    const newEmail = `${uniqueName('renamed')}@example.com`;
    await target.stripe.customers.update(customer.id, { email: newEmail });
    const updated = await eventAbout('customer.updated', customer.id);
    expect(updated.data.previous_attributes).toEqual({ email: customer.email });
    expect(updated.data.object).toMatchObject({ email: newEmail });
    expect(updated.request?.id).toMatch(/^req_/);

    await target.stripe.customers.del(customer.id);
    const deleted = await eventAbout('customer.deleted', customer.id);
    expect(deleted.data.object).toMatchObject({ id: customer.id, object: 'customer' });
  });

  it('tells of a product, a price and a meter: created, renamed, deactivated', async () => {
    const plan = await meteredPlan(target);
    await eventAbout('product.created', plan.product.id);
    expect((await eventAbout('price.created', plan.price.id)).data.object).toMatchObject({ id: plan.price.id, recurring: { usage_type: 'metered', meter: plan.meter.id } });
    expect((await eventAbout('billing.meter.created', plan.meter.id)).data.object).toMatchObject({ id: plan.meter.id, status: 'active' });
    await target.stripe.billing.meters.update(plan.meter.id, { display_name: 'Renamed calls' });
    expect((await eventAbout('billing.meter.updated', plan.meter.id)).data.previous_attributes).toMatchObject({ display_name: plan.meter.display_name });
    await target.stripe.billing.meters.deactivate(plan.meter.id);
    expect((await eventAbout('billing.meter.deactivated', plan.meter.id)).data.previous_attributes).toMatchObject({ status: 'active' });
  });

  it("tells of a test clock's life; its billing names no request (Stripe does it on its own)", async () => {
    const start = nowSeconds() - 3 * DAY;
    const plan = await meteredPlan(target);
    const { clock, customer } = await clockedCustomer(target, start);
    await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }] });
    expect((await eventAbout('test_helpers.test_clock.created', clock.id)).request?.id).toMatch(/^req_/);
    await advanceClock(target, clock.id, start + 32 * DAY);
    const advancing = await eventAbout('test_helpers.test_clock.advancing', clock.id);
    expect(advancing.request?.id).toMatch(/^req_/);
    expect(advancing.data.object).toMatchObject({ status: 'advancing' });
    expect((await eventAbout('test_helpers.test_clock.ready', clock.id)).data.object).toMatchObject({ status: 'ready', frozen_time: start + 32 * DAY });
    const cycle = await eventually(
      async () => (await target.stripe.events.list({ type: 'invoice.created', limit: 100 })).data.find((event) => (event.data.object as Stripe.Invoice).customer === customer.id && (event.data.object as Stripe.Invoice).billing_reason === 'subscription_cycle'),
      (event) => event !== undefined,
    );
    expect(cycle?.request).toEqual({ id: null, idempotency_key: null });
    await target.stripe.testHelpers.testClocks.del(clock.id);
    await eventAbout('test_helpers.test_clock.deleted', clock.id);
    await eventAbout('customer.deleted', customer.id);
    await target.stripe.billing.meters.deactivate(plan.meter.id);
  });

  it("shows v2 events as the v2 reference does: context, reason and related_object", async () => {
    const meter = await target.stripe.billing.meters.create({ display_name: 'Thin', event_name: uniqueName('thin'), default_aggregation: { formula: 'sum' } });
    const listed = await eventually(
      async () => (await target.stripe.v2.core.events.list({ types: ['v1.billing.meter.created'], object_id: meter.id })).data,
      (events) => events.length > 0,
    );
    const event = await target.stripe.v2.core.events.retrieve(listed[0]!.id);
    expect(event).toMatchObject({
      object: 'v2.core.event',
      type: 'v1.billing.meter.created',
      context: null,
      reason: { type: 'request', request: { id: expect.stringMatching(/^req_/) } },
      related_object: { id: meter.id, type: 'billing.meter', url: `/v1/billing/meters/${meter.id}` },
    });
    await target.stripe.billing.meters.deactivate(meter.id);
  });

  emulatorOnly("sends them to an endpoint listening to '*'", async () => {
    const receiver = await startWebhookReceiver();
    const endpoint = await target.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    try {
      const customer = await target.stripe.customers.create({ name: 'Star' });
      await target.stripe.customers.update(customer.id, { name: 'Renamed star' });
      await target.stripe.customers.del(customer.id);
      const received = await eventually(
        async () => receiver.bodies().filter((body) => JSON.stringify(body.data).includes(customer.id)),
        (bodies) => bodies.length >= 3,
      );
      expect(received.map((body) => body.type)).toEqual(['customer.created', 'customer.updated', 'customer.deleted']);
    } finally {
      await target.stripe.webhookEndpoints.del(endpoint.id);
      await receiver.close();
    }
  });
});
