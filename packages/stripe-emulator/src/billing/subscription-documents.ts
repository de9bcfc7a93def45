import { stripeId } from '../state/stripe-ids.js';
import type { WirePrice } from '../state/wire-types.js';
import { periodEndAfter, type BillingInterval, type Recurrence } from './billing-period.js';
import type { WirePlan, WireSubscription, WireSubscriptionItem } from './billing-wire-types.js';

export interface SubscriptionInput {
  customerId: string;
  testClock: string | null;
  currency: string;
  created: number;
  billingCycleAnchor: number;
  items: (subscriptionId: string) => WireSubscriptionItem[];
  metadata: Record<string, string>;
  paymentSettings: WireSubscription['payment_settings'];
  trial: { start: number; end: number } | null;
}

/** A recurring price's interval: every price on a subscription has one. */
export function recurrenceOf(price: WirePrice): Recurrence {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`price ${price.id} is not recurring`);
  return { interval: recurring.interval as BillingInterval, intervalCount: recurring.interval_count };
}

export function isMetered(item: WireSubscriptionItem): boolean {
  return item.price.recurring?.usage_type === 'metered';
}

/** The legacy `plan` view of a price, which Stripe still attaches to every subscription item. */
function planOf(price: WirePrice): WirePlan {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`price ${price.id} is not recurring`);
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: recurring.meter,
    nickname: price.nickname,
    product: typeof price.product === 'string' ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: recurring.trial_period_days,
    usage_type: recurring.usage_type,
  };
}

/** A subscription item for one price; metered items carry no quantity (usage decides it). */
export function newItem(subscriptionId: string, price: WirePrice, created: number, period: { start: number; end: number }): WireSubscriptionItem {
  return {
    id: stripeId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planOf(price),
    price,
    ...(price.recurring?.usage_type === 'metered' ? {} : { quantity: 1 }),
    subscription: subscriptionId,
    tax_rates: [],
  };
}

export function itemList(subscriptionId: string, items: WireSubscriptionItem[]): WireSubscription['items'] {
  return { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${subscriptionId}` };
}

/** A new subscription, status `incomplete` until its first invoice decides otherwise. */
export function newSubscription(input: SubscriptionInput): WireSubscription {
  const id = stripeId('sub', 24);
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: input.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: input.created },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: input.created,
    currency: input.currency,
    customer: input.customerId,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: itemList(id, input.items(id)),
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: input.paymentSettings,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: input.created,
    status: input.trial ? 'trialing' : 'incomplete',
    test_clock: input.testClock,
    transfer_data: null,
    trial_end: input.trial?.end ?? null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: input.trial?.start ?? null,
  };
}

/** Fields whose value changed, with their previous value: Stripe's `previous_attributes`. */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(old[key]) !== JSON.stringify(value)) previous[key] = old[key] ?? null;
  }
  return previous;
}

/** Where the period that contains `at` ends: the trial's end while it runs, else the next cycle boundary. */
export function cycleEnd(subscription: Pick<WireSubscription, 'billing_cycle_anchor'>, price: WirePrice, at: number): number {
  return periodEndAfter(subscription.billing_cycle_anchor, recurrenceOf(price), at);
}
