import type Stripe from 'stripe';
import type { ApiList } from '../http/pagination.js';
import type { WirePrice } from '../state/wire-types.js';

/**
 * Billing objects as they travel on the wire (see state/wire-types.ts for why they differ from
 * the SDK's decoded types): decimals are strings, and ids stay ids until `expand[]` asks otherwise.
 */
export type WirePlan = Omit<Stripe.Plan, 'amount_decimal' | 'product'> & { amount_decimal: string | null; product: string };

export type WireSubscriptionItem = Omit<Stripe.SubscriptionItem, 'price' | 'plan'> & { price: WirePrice; plan: WirePlan };

export type WireSubscription = Omit<Stripe.Subscription, 'items' | 'latest_invoice' | 'customer' | 'test_clock' | 'pending_setup_intent'> & {
  items: ApiList<WireSubscriptionItem>;
  latest_invoice: string | WireInvoice | null;
  customer: string | unknown;
  test_clock: string | null;
  pending_setup_intent: string | null;
};

export type WireInvoiceLine = Omit<Stripe.InvoiceLineItem, 'pricing' | 'quantity_decimal' | 'subscription'> & {
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string | null };
  quantity_decimal: string | null;
  subscription: string | null;
};

export type WireInvoice = Omit<Stripe.Invoice, 'lines' | 'customer' | 'test_clock' | 'parent'> & {
  lines: ApiList<WireInvoiceLine>;
  customer: string;
  test_clock: string | null;
  parent: { type: 'subscription_details'; quote_details: null; subscription_details: { metadata: Record<string, string> | null; subscription: string } };
};

/** A v1 `Event` as `GET /v1/events/:id` returns it and webhook endpoints receive it. */
export interface WireEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: Stripe.Event.Type;
}
