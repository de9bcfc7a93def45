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

/** Why a v2 event happened: the API request that caused it (null for Stripe's own work). */
export interface WireV2EventReason {
  type: 'request';
  request: { id: string; idempotency_key: string | null };
}

/**
 * A v2 ("thin") event as `GET /v2/core/events/:id` returns it, `data` included. The v2 reference
 * shows `context`, `reason` and `related_object` on every event, null when they do not apply.
 */
export interface WireV2Event extends Omit<Stripe.V2.Core.EventBase, 'context' | 'reason'> {
  context: string | null;
  reason: WireV2EventReason | null;
  related_object: Stripe.Events.RelatedObject | null;
  data?: unknown;
}
