/**
 * The objects the emulator sends, by their `object` value, as the `stripe` SDK's bundled types
 * describe them. generate-stripe-schemas.mjs turns these into stripe-wire-schemas.json; it is
 * the list to extend when the emulator starts sending a new kind of object.
 */
import type Stripe from 'stripe';

export interface WireObjects {
  customer: Stripe.Customer;
  product: Stripe.Product;
  price: Stripe.Price;
  plan: Stripe.Plan;
  'billing.meter': Stripe.Billing.Meter;
  'billing.meter_event': Stripe.Billing.MeterEvent;
  'billing.meter_event_adjustment': Stripe.Billing.MeterEventAdjustment;
  'billing.meter_event_summary': Stripe.Billing.MeterEventSummary;
  'test_helpers.test_clock': Stripe.TestHelpers.TestClock;
  subscription: Stripe.Subscription;
  subscription_item: Stripe.SubscriptionItem;
  invoice: Stripe.Invoice;
  line_item: Stripe.InvoiceLineItem;
  event: Stripe.EventBase;
  webhook_endpoint: Stripe.WebhookEndpoint;
  'v2.billing.meter_event': Stripe.V2.Billing.MeterEvent;
  'v2.billing.meter_event_session': Stripe.V2.Billing.MeterEventSession;
  'v2.billing.meter_event_adjustment': Stripe.V2.Billing.MeterEventAdjustment;
  'v2.core.event': Stripe.V2.Core.EventBase & { related_object?: Stripe.Events.RelatedObject; data?: unknown };
  'v2.core.event_destination': Stripe.V2.Core.EventDestination;
}

/** What `DELETE` answers, by the deleted object's `object` value. */
export interface DeletedObjects {
  customer: Stripe.DeletedCustomer;
  product: Stripe.DeletedProduct;
  subscription_item: Stripe.DeletedSubscriptionItem;
  'test_helpers.test_clock': Stripe.TestHelpers.DeletedTestClock;
  webhook_endpoint: Stripe.DeletedWebhookEndpoint;
  'v2.core.event_destination': Stripe.V2.DeletedObject;
}
