import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

/** Stripe's wire protocol: authentication, the error and list shapes, unknown parameters, idempotency. */
describe('Stripe wire protocol', () => {
  let target: ContractTarget;

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  function post(path: string, form: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${target.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: form,
    });
  }

  it('answers a request without an API key with 401 and Stripe error shape', async () => {
    const response = await fetch(`${target.baseUrl}/v1/customers`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^You did not provide an API key/);
  });

  it('answers an invalid API key with a StripeAuthenticationError', async () => {
    const error = await stripeError(target.client({ secretKey: 'sk_test_not-a-real-key' }).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/^Invalid API Key provided: sk_test_\*+/);
  });

  it('refuses an unknown parameter by name', async () => {
    const error = await stripeError(target.stripe.customers.create({ favourite_colour: 'teal' } as Stripe.CustomerCreateParams));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'favourite_colour', message: 'Received unknown parameter: favourite_colour' });
  });

  it('answers an unknown URL with 404 invalid_request_error', async () => {
    const response = await fetch(`${target.baseUrl}/v1/no_such_resources`, { headers: { authorization: `Bearer ${target.secretKey}` } });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/no_such_resources\)/);
  });

  it('answers an id that names nothing with resource_missing', async () => {
    const error = await stripeError(target.stripe.customers.retrieve('cus_doesnotexist'));
    expect(error).toMatchObject({ statusCode: 404, type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'id', message: "No such customer: 'cus_doesnotexist'" });
  });

  it('lists newest first in the list envelope and pages with starting_after', async () => {
    const email = `${uniqueName('list')}@example.com`;
    const created: string[] = [];
    for (let index = 0; index < 3; index += 1) created.push((await target.stripe.customers.create({ email })).id);

    const first = await target.stripe.customers.list({ email, limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect(first.data.map((customer) => customer.id)).toEqual([created[2], created[1]]);

    const second = await target.stripe.customers.list({ email, limit: 2, starting_after: first.data[1]?.id });
    expect(second.has_more).toBe(false);
    expect(second.data.map((customer) => customer.id)).toEqual([created[0]]);
  });

  it('replays the first response byte for byte for the same Idempotency-Key and parameters', async () => {
    const key = randomUUID();
    const form = `email=${encodeURIComponent(`${uniqueName('idem')}@example.com`)}&metadata[source]=contract`;
    const first = await post('/v1/customers', form, { 'idempotency-key': key });
    const replay = await post('/v1/customers', form, { 'idempotency-key': key });
    expect(replay.status).toBe(first.status);
    expect(await replay.text()).toBe(await first.text());
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('creates one object when the SDK repeats a call with the same idempotency key', async () => {
    const email = `${uniqueName('idem')}@example.com`;
    const idempotencyKey = randomUUID();
    const first = await target.stripe.customers.create({ email }, { idempotencyKey });
    const again = await target.stripe.customers.create({ email }, { idempotencyKey });
    expect(again.id).toBe(first.id);
    expect((await target.stripe.customers.list({ email })).data).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with other parameters with an idempotency_error', async () => {
    const idempotencyKey = randomUUID();
    await target.stripe.customers.create({ email: `${uniqueName('a')}@example.com` }, { idempotencyKey });
    const error = await stripeError(target.stripe.customers.create({ email: `${uniqueName('b')}@example.com` }, { idempotencyKey }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^Keys for idempotent requests can only be used with the same parameters they were first used with/);
  });

  it('replays an error the endpoint produced, but saves nothing for a request that failed validation', async () => {
    const endpointKey = randomUUID();
    const first = await post('/v1/customers', 'test_clock=clock_doesnotexist', { 'idempotency-key': endpointKey });
    const replay = await post('/v1/customers', 'test_clock=clock_doesnotexist', { 'idempotency-key': endpointKey });
    expect(first.status).toBe(404);
    expect(replay.status).toBe(404);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const validationKey = randomUUID();
    const refused = await post('/v1/customers', 'favourite_colour=teal', { 'idempotency-key': validationKey });
    expect(refused.status).toBe(400);
    const accepted = await post('/v1/customers', `email=${uniqueName('v')}%40example.com`, { 'idempotency-key': validationKey });
    expect(accepted.status).toBe(200);
  });
});
