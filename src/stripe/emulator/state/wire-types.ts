import type Stripe from 'stripe';

/**
 * Objects as they travel on the wire. The SDK's own types describe what it hands to callers after
 * decoding, which differs in a few fields: decimals arrive as strings and the SDK turns them into
 * `Stripe.Decimal`; functions it attaches (`fetchRelatedObject`) are not part of the JSON.
 */
export type WirePrice = Omit<Stripe.Price, 'unit_amount_decimal' | 'product'> & {
  unit_amount_decimal: string | null;
  product: string | Stripe.Product;
};

export type WireCustomer = Omit<Stripe.Customer, 'test_clock'> & { test_clock: string | Stripe.TestHelpers.TestClock | null };

export type WireMeterEventSession = Stripe.V2.Billing.MeterEventSession;

/** A v2 ("thin") event as `GET /v2/core/events/:id` returns it, `data` included. */
export interface WireV2Event extends Stripe.V2.Core.EventBase {
  related_object?: Stripe.Events.RelatedObject;
  data?: unknown;
}
