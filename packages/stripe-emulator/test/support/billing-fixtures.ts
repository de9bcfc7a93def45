import Stripe from 'stripe';
import { eventually, uniqueName, type ContractTarget } from './stripe-contract';

export interface MeteredPlan {
  meter: Stripe.Billing.Meter;
  product: Stripe.Product;
  price: Stripe.Price;
}

/** A meter and a monthly metered price on it (`unitAmountDecimal` minor units per unit). */
export async function meteredPlan(target: ContractTarget, options: { formula?: 'sum' | 'count' | 'last'; unitAmountDecimal?: string; currency?: string } = {}): Promise<MeteredPlan> {
  const stripe = target.stripe;
  const meter = await stripe.billing.meters.create({ display_name: 'API calls', event_name: uniqueName('api_calls'), default_aggregation: { formula: options.formula ?? 'sum' } });
  const product = await stripe.products.create({ name: 'API calls' });
  const price = await stripe.prices.create({
    product: product.id,
    currency: options.currency ?? 'usd',
    unit_amount_decimal: Stripe.Decimal.from(options.unitAmountDecimal ?? '5'),
    recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
  });
  return { meter, product, price };
}

/** A `sum` meter and a customer to send its events for (name: a prefix for names unique to the run). */
export async function meterAndCustomer(target: ContractTarget, name: string): Promise<{ meter: Stripe.Billing.Meter; customer: Stripe.Customer }> {
  const meter = await target.stripe.billing.meters.create({ display_name: name, event_name: uniqueName(name), default_aggregation: { formula: 'sum' } });
  const customer = await target.stripe.customers.create({ email: `${uniqueName(name)}@example.com` });
  return { meter, customer };
}

/** A customer on its own test clock frozen at `frozenTime`. */
export async function clockedCustomer(target: ContractTarget, frozenTime: number): Promise<{ clock: Stripe.TestHelpers.TestClock; customer: Stripe.Customer }> {
  const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozenTime, name: uniqueName('billing') });
  const customer = await target.stripe.customers.create({ test_clock: clock.id, email: `${uniqueName('billing')}@example.com` });
  return { clock, customer };
}

/** Moves a test clock and waits until Stripe has finished the work the move caused. */
export async function advanceClock(target: ContractTarget, clockId: string, frozenTime: number): Promise<Stripe.TestHelpers.TestClock> {
  await target.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  return eventually(
    () => target.stripe.testHelpers.testClocks.retrieve(clockId),
    (clock) => clock.status === 'ready',
  );
}

/** The subscription item of a price: never assume the position of an item. */
export function itemOf(subscription: Stripe.Subscription, priceId: string): Stripe.SubscriptionItem {
  const item = subscription.items.data.find((candidate) => candidate.price.id === priceId);
  if (!item) throw new Error(`subscription ${subscription.id} has no item for price ${priceId}`);
  return item;
}

/** The invoice line of a price. */
export function lineOf(invoice: Stripe.Invoice, priceId: string): Stripe.InvoiceLineItem {
  const line = invoice.lines.data.find((candidate) => {
    const price = candidate.pricing?.price_details?.price;
    return (typeof price === 'string' ? price : price?.id) === priceId;
  });
  if (!line) throw new Error(`invoice ${invoice.id} has no line for price ${priceId}`);
  return line;
}

/** Sends one meter event for a customer at `timestamp` (unix seconds). */
export function usage(target: ContractTarget, plan: MeteredPlan, customerId: string, value: number, timestamp: number, identifier = uniqueName('usage')): Promise<Stripe.Billing.MeterEvent> {
  return target.stripe.billing.meterEvents.create({ event_name: plan.meter.event_name, payload: { stripe_customer_id: customerId, value: String(value) }, timestamp, identifier });
}
