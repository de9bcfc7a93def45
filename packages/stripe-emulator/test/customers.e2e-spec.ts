import { startContractTarget, stripeError, uniqueName, nowSeconds, type ContractTarget } from './support/stripe-contract';

describe('customers', () => {
  let target: ContractTarget;

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  it('creates a customer and retrieves the same object', async () => {
    const email = `${uniqueName('cus')}@example.com`;
    const customer = await target.stripe.customers.create({ email, name: 'Ada Lovelace', metadata: { external_id: 'ext-1' } });
    expect(customer).toMatchObject({ object: 'customer', email, name: 'Ada Lovelace', metadata: { external_id: 'ext-1' }, livemode: false, test_clock: null });
    expect(customer.id).toMatch(/^cus_/);
    expect(await target.stripe.customers.retrieve(customer.id)).toEqual(customer);
  });

  it('updates fields, merges metadata and unsets a metadata key with an empty value', async () => {
    const customer = await target.stripe.customers.create({ name: 'Before', metadata: { keep: 'yes', drop: 'soon' } });
    const updated = await target.stripe.customers.update(customer.id, { name: 'After', metadata: { drop: '', added: 'new' } });
    expect(updated).toMatchObject({ id: customer.id, name: 'After', metadata: { keep: 'yes', added: 'new' } });
    expect(updated.metadata).not.toHaveProperty('drop');
  });

  it('lists customers filtered by exact email', async () => {
    const email = `${uniqueName('filter')}@example.com`;
    const wanted = await target.stripe.customers.create({ email });
    await target.stripe.customers.create({ email: `other-${email}` });
    const listed = await target.stripe.customers.list({ email });
    expect(listed.data.map((customer) => customer.id)).toEqual([wanted.id]);
  });

  it('deletes a customer; retrieving it then shows the deletion and updating it is refused', async () => {
    const customer = await target.stripe.customers.create({ name: 'Short-lived' });
    expect(await target.stripe.customers.del(customer.id)).toEqual({ id: customer.id, object: 'customer', deleted: true });
    expect(await target.stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    const error = await stripeError(target.stripe.customers.update(customer.id, { name: 'Ghost' }));
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('attaches a customer to a test clock, expands it, and lists it only under that clock', async () => {
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: nowSeconds() - 3600, name: uniqueName('clock') });
    const customer = await target.stripe.customers.create({ email: `${uniqueName('clocked')}@example.com`, test_clock: clock.id });
    expect(customer.test_clock).toBe(clock.id);

    const expanded = await target.stripe.customers.retrieve(customer.id, { expand: ['test_clock'] });
    expect(expanded).toMatchObject({ test_clock: { id: clock.id, object: 'test_helpers.test_clock', frozen_time: clock.frozen_time } });

    expect((await target.stripe.customers.list({ email: customer.email ?? '' })).data).toHaveLength(0);
    expect((await target.stripe.customers.list({ test_clock: clock.id })).data.map((listed) => listed.id)).toEqual([customer.id]);
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('refuses a test clock that does not exist, naming the parameter', async () => {
    const error = await stripeError(target.stripe.customers.create({ test_clock: 'clock_doesnotexist' }));
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'test_clock' });
  });
});
