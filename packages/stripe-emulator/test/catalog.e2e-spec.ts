import Stripe from 'stripe';
import { startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

describe('products and prices', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let product: Stripe.Product;

  beforeAll(async () => {
    target = await startContractTarget();
    meter = await target.stripe.billing.meters.create({ display_name: 'API calls', event_name: uniqueName('api_calls'), default_aggregation: { formula: 'sum' } });
    product = await target.stripe.products.create({ name: 'API calls' });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('creates and retrieves a product', async () => {
    expect(product).toMatchObject({ object: 'product', name: 'API calls', active: true, livemode: false });
    expect(product.id).toMatch(/^prod_/);
    expect(await target.stripe.products.retrieve(product.id)).toEqual(product);
  });

  it('creates a metered price backed by a meter with a sub-cent unit amount', async () => {
    const price = await target.stripe.prices.create({
      product: product.id,
      currency: 'eur',
      unit_amount_decimal: Stripe.Decimal.from('0.125'),
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
    });
    expect(price).toMatchObject({ object: 'price', type: 'recurring', currency: 'eur', product: product.id, unit_amount: null, billing_scheme: 'per_unit' });
    expect(price.recurring).toMatchObject({ interval: 'month', interval_count: 1, usage_type: 'metered', meter: meter.id });
    expect(price.unit_amount_decimal?.toString()).toBe('0.125');
    const retrieved = await target.stripe.prices.retrieve(price.id, { expand: ['product'] });
    expect(retrieved.product).toMatchObject({ id: product.id, object: 'product' });
  });

  it('lists the prices of a product', async () => {
    const price = await target.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500, recurring: { interval: 'month' } });
    const listed = await target.stripe.prices.list({ product: product.id, currency: 'usd' });
    expect(listed.data.map((item) => item.id)).toContain(price.id);
    expect(price).toMatchObject({ unit_amount: 500, recurring: { usage_type: 'licensed', meter: null } });
    expect(price.unit_amount_decimal?.toString()).toBe('500');
  });

  it('refuses a metered price without a meter', async () => {
    const error = await stripeError(target.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, recurring: { interval: 'month', usage_type: 'metered' } }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
  });

  it('refuses a metered price whose meter does not exist, naming recurring[meter]', async () => {
    const error = await stripeError(
      target.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, recurring: { interval: 'month', usage_type: 'metered', meter: 'mtr_doesnotexist' } }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.param).toBe('recurring[meter]');
  });

  it('refuses a metered price on an inactive meter', async () => {
    const inactive = await target.stripe.billing.meters.create({ display_name: 'Old', event_name: uniqueName('old'), default_aggregation: { formula: 'sum' } });
    await target.stripe.billing.meters.deactivate(inactive.id);
    const error = await stripeError(
      target.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, recurring: { interval: 'month', usage_type: 'metered', meter: inactive.id } }),
    );
    expect(error).toMatchObject({ statusCode: 400, param: 'recurring[meter]' });
  });

  it('refuses an unknown nested parameter with its bracket path', async () => {
    const error = await stripeError(
      target.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, recurring: { interval: 'month', aggregate_usage: 'sum' } as Stripe.PriceCreateParams.Recurring }),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'recurring[aggregate_usage]', message: 'Received unknown parameter: recurring[aggregate_usage]' });
  });

  it('refuses unit_amount and unit_amount_decimal together', async () => {
    const error = await stripeError(target.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, unit_amount_decimal: Stripe.Decimal.from('1.5') }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });
});
