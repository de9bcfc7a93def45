import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { emulatorOf, emulatorOnly, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

/** Fault injection: what the client sees, and what the emulator (Stripe) kept. */
describe('fault injection', () => {
  let target: ContractTarget;

  function customersWithEmail(email: string): number {
    return emulatorOf(target).state.customers.all().filter((customer) => customer.email === email).length;
  }

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterEach(() => {
    target.emulator?.faults.clear();
  });

  afterAll(async () => {
    await target.close();
  });

  emulatorOnly('answers 500 to the next request; the SDK retries it and the write happens once', async () => {
    emulatorOf(target).faults.add({ kind: 'server_error', count: 1 });
    const email = `${uniqueName('retry')}@example.com`;
    await target.client({ maxNetworkRetries: 2 }).customers.create({ email });
    expect(customersWithEmail(email)).toBe(1);
    expect(emulatorOf(target).faults.list()).toEqual([]);
  });

  emulatorOnly('surfaces a 500 as StripeAPIError when retries are off, and applies nothing', async () => {
    emulatorOf(target).faults.add({ kind: 'server_error' });
    const email = `${uniqueName('fail')}@example.com`;
    const error = await stripeError(target.client({ maxNetworkRetries: 0 }).customers.create({ email }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(customersWithEmail(email)).toBe(0);
  });

  emulatorOnly('answers 429, which the SDK does not retry: StripeRateLimitError', async () => {
    emulatorOf(target).faults.add({ kind: 'rate_limit', count: 1 });
    const error = await stripeError(target.client({ maxNetworkRetries: 2 }).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
  });

  emulatorOnly('hangs past the client timeout: StripeConnectionError', async () => {
    emulatorOf(target).faults.add({ kind: 'hang', count: 1 });
    const error = await stripeError(target.client({ maxNetworkRetries: 0, timeoutMs: 300 }).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toMatch(/timeout/);
  });

  emulatorOnly('applies the write and drops the connection: the client sees an error although the customer exists', async () => {
    // the SDK retries a reset connection once even with retries off; its retry is dropped as well
    emulatorOf(target).faults.add({ kind: 'drop_connection', count: 2 });
    const email = `${uniqueName('dropped')}@example.com`;
    const error = await stripeError(target.client({ maxNetworkRetries: 0 }).customers.create({ email }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(customersWithEmail(email)).toBe(1);
  });

  emulatorOnly('lets the retry of a dropped write find the kept result through its idempotency key', async () => {
    emulatorOf(target).faults.add({ kind: 'drop_connection', count: 1 });
    const email = `${uniqueName('replayed')}@example.com`;
    const customer = await target.client({ maxNetworkRetries: 2 }).customers.create({ email });
    expect(customer.email).toBe(email);
    expect(customersWithEmail(email)).toBe(1);
  });

  emulatorOnly('fails an even share of the requests that match a method and path prefix', async () => {
    const emulator = emulatorOf(target);
    const meter = await target.stripe.billing.meters.create({ display_name: 'Faulty', event_name: uniqueName('faulty'), default_aggregation: { formula: 'sum' } });
    const customer = await target.stripe.customers.create({});
    emulator.faults.add({ kind: 'server_error', share: 0.5, method: 'POST', pathPrefix: '/v1/billing/meter_events' });
    const client = target.client({ maxNetworkRetries: 0 });
    const outcomes: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      await client.customers.retrieve(customer.id);
      const sent = client.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: '1' }, identifier: randomUUID() });
      outcomes.push(await sent.then(() => 'ok', (error: Stripe.errors.StripeError) => String(error.statusCode)));
    }
    expect(outcomes).toEqual(['ok', '500', 'ok', '500']);
    expect(emulator.state.meterEvents.events({ customerId: customer.id })).toHaveLength(2);
  });
});
