import type { EmulatorState } from '../emulator-state.js';
import { requireReferenced } from '../http/referenced-resource.js';
import { invalidRequest, StripeApiError } from '../http/stripe-api-error.js';
import { stripeId } from '../state/stripe-ids.js';
import type { WirePrice } from '../state/wire-types.js';
import type { WireSubscription, WireSubscriptionItem } from './billing-wire-types.js';
import { lineAmount } from './line-amount.js';
import { collectInvoice, createInvoice, finalizeInvoice, itemLine } from './invoice-lifecycle.js';
import { changeSubscription } from './subscription-changes.js';
import { pauseAtTrialEnd, pausesAtTrialEnd, type MissingPaymentMethodBehavior } from './subscription-pause.js';
import { cycleEnd, isMetered, itemList, newItem, newSubscription } from './subscription-documents.js';

export type PaymentBehavior = 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete';

export interface SubscriptionRequest {
  customerId: string;
  prices: WirePrice[];
  paymentBehavior: PaymentBehavior;
  paymentSettings: WireSubscription['payment_settings'];
  trialDays: number | undefined;
  /** `trial_settings.end_behavior.missing_payment_method`; Stripe's default is `create_invoice`. */
  missingPaymentMethod?: MissingPaymentMethodBehavior;
  metadata: Record<string, string>;
}

const DAY = 86_400;

function declined(): StripeApiError {
  return new StripeApiError(402, 'card_error', 'Your card was declined.', { code: 'card_declined' });
}

function periodEndOf(subscription: WireSubscription): number {
  return Math.min(...subscription.items.data.map((item) => item.current_period_end));
}

/** One item per price, every price recurring, one currency and one interval for all of them. */
export function checkPrices(prices: readonly WirePrice[], existing: readonly WireSubscriptionItem[] = []): void {
  const seen = new Set(existing.map((item) => item.price.id));
  const first = existing[0]?.price ?? prices[0];
  prices.forEach((price, index) => {
    if (!price.recurring) {
      throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, { param: `items[${index}][price]` });
    }
    if (seen.has(price.id)) throw invalidRequest(`Cannot add multiple subscription items with the same plan: ${price.id}`, { param: `items[${index}][price]` });
    seen.add(price.id);
    if (first && (price.currency !== first.currency || price.recurring.interval !== first.recurring?.interval || price.recurring.interval_count !== first.recurring.interval_count)) {
      throw invalidRequest('Currency and interval fields must match across all plans on a single subscription.', { param: `items[${index}][price]` });
    }
  });
}

/**
 * Creates a subscription and its first invoice (`subscription_create`), finalized at once. Metered
 * items bill in arrears, so a metered-only (or trialing) subscription's first invoice is $0: it is
 * paid on finalization and the subscription starts `active` (`trialing`) whatever the payment
 * behavior. A first invoice that asks for money leaves a `default_incomplete` subscription
 * `incomplete` until that invoice is paid (its `confirmation_secret` is for the client).
 */
export function createSubscription(state: EmulatorState, request: SubscriptionRequest): WireSubscription {
  const customer = requireReferenced(state.customers, request.customerId, 'customer');
  checkPrices(request.prices);
  const at = state.now(customer.id);
  const trial = request.trialDays ? { start: at, end: at + request.trialDays * DAY } : null;
  const licensedDue = !trial && request.prices.some((price) => price.recurring?.usage_type !== 'metered' && price.unit_amount_decimal !== null && lineAmount(price.unit_amount_decimal, 1n) > 0);
  if (licensedDue && request.paymentBehavior === 'error_if_incomplete' && state.billing.failingCustomers.has(customer.id)) throw declined();
  const anchor = trial?.end ?? at;
  const firstPrice = request.prices[0] as WirePrice;
  const end = trial?.end ?? cycleEnd({ billing_cycle_anchor: anchor }, firstPrice, at);
  const created = state.billing.subscriptions.put({
    ...newSubscription({
      customerId: customer.id,
      testClock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
      currency: firstPrice.currency,
      created: at,
      billingCycleAnchor: anchor,
      items: (id) => request.prices.map((price) => newItem(id, price, at, { start: at, end })),
      metadata: request.metadata,
      paymentSettings: request.paymentSettings,
      trial,
    }),
    ...(licensedDue ? {} : { status: trial ? 'trialing' : 'active', pending_setup_intent: request.paymentBehavior === 'default_incomplete' ? stripeId('seti') : null }),
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: request.missingPaymentMethod ?? 'create_invoice' } },
  });
  state.billing.recordEvent('customer.subscription.created', created, at);
  // licensed items bill in advance on the first invoice; metered ones have nothing to bill yet
  const lines = created.items.data.filter((item) => !isMetered(item)).map((item) => itemLine(state, created, item, at, end));
  const invoice = finalizeInvoice(state, createInvoice(state, created, 'subscription_create', lines, { start: at, end: at }, at, null).id, at);
  if (invoice.status === 'open' && request.paymentBehavior !== 'default_incomplete') collectInvoice(state, invoice, at);
  return state.billing.subscriptions.require(created.id);
}

function requireChangeable(subscription: WireSubscription): void {
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
}

/**
 * New items join the running cycle: their period starts now and ends with the subscription's,
 * so usage from before they were added is never billed on them. Proration is not emulated.
 */
export function addItems(state: EmulatorState, subscriptionId: string, prices: WirePrice[], at: number): WireSubscription {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  requireChangeable(subscription);
  checkPrices(prices, subscription.items.data);
  const end = periodEndOf(subscription);
  const added = prices.map((price) => newItem(subscription.id, price, at, { start: at, end }));
  return changeSubscription(state, subscription.id, { items: itemList(subscription.id, [...subscription.items.data, ...added]) }, at);
}

/**
 * Removes an item (`DELETE /v1/subscription_items/:id`). A subscription keeps at least one item:
 * ending it is a cancellation. The removed item's usage is not billed afterwards, as with Stripe's
 * `clear_usage: true` (the emulator does not keep the usage of removed items for a later invoice).
 */
export function removeItem(state: EmulatorState, subscriptionId: string, itemId: string, at: number): WireSubscription {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  requireChangeable(subscription);
  const remaining = subscription.items.data.filter((item) => item.id !== itemId);
  if (remaining.length === 0) {
    throw invalidRequest('A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.');
  }
  return changeSubscription(state, subscription.id, { items: itemList(subscription.id, remaining) }, at);
}

/** `cancel_at_period_end`: Stripe records when it was asked (`canceled_at`) and when it will happen (`cancel_at`). */
export function setCancelAtPeriodEnd(state: EmulatorState, subscriptionId: string, cancel: boolean, at: number): WireSubscription {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  requireChangeable(subscription);
  return changeSubscription(
    state,
    subscription.id,
    {
      cancel_at_period_end: cancel,
      cancel_at: cancel ? periodEndOf(subscription) : null,
      canceled_at: cancel ? at : null,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: cancel ? 'cancellation_requested' : null },
    },
    at,
  );
}

/** Cancels now; with `invoice_now` the usage not yet invoiced is billed on a final invoice, finalized and collected at once. */
export function cancelNow(state: EmulatorState, subscriptionId: string, invoiceNow: boolean, at: number): WireSubscription {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw invalidRequest(`This subscription is already canceled: ${subscription.id}`);
  }
  const canceled = changeSubscription(
    state,
    subscription.id,
    {
      status: 'canceled',
      canceled_at: at,
      ended_at: at,
      cancel_at: null,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
    },
    at,
    'customer.subscription.deleted',
  );
  if (!invoiceNow) return canceled;
  const metered = canceled.items.data.filter(isMetered);
  const lines = metered.map((item) => itemLine(state, canceled, item, item.current_period_start, at));
  const start = Math.min(at, ...metered.map((item) => item.current_period_start));
  const invoice = finalizeInvoice(state, createInvoice(state, canceled, 'subscription_update', lines, { start, end: at }, at, null).id, at);
  collectInvoice(state, invoice, at);
  return state.billing.subscriptions.require(subscription.id);
}

/**
 * Closes the period that ends at `at` (the subscription's earliest item period end): a draft
 * invoice for the usage of that period (and licensed items in advance for the next one), then
 * either the next period on every item or, with `cancel_at_period_end`, the end of the
 * subscription. The draft is finalized after the grace period.
 */
export function closePeriod(state: EmulatorState, subscriptionId: string, at: number): void {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  if (pausesAtTrialEnd(state, subscription, at)) return pauseAtTrialEnd(state, subscription.id, at);
  const ending = subscription.cancel_at_period_end;
  const due = subscription.items.data.filter((item) => item.current_period_end <= at);
  const next = (item: WireSubscriptionItem): number => cycleEnd(subscription, item.price, at);
  const lines = due.map((item) => (isMetered(item) ? itemLine(state, subscription, item, item.current_period_start, item.current_period_end) : undefined)).filter((line) => line !== undefined);
  const advance = ending ? [] : due.filter((item) => !isMetered(item)).map((item) => itemLine(state, subscription, item, at, next(item)));
  const periodStart = Math.min(...due.map((item) => item.current_period_start));
  if (ending) {
    changeSubscription(state, subscription.id, { status: 'canceled', ended_at: at }, at, 'customer.subscription.deleted');
  } else {
    const items = subscription.items.data.map((item) => (item.current_period_end <= at ? { ...item, current_period_start: at, current_period_end: next(item) } : item));
    const status = subscription.status === 'trialing' ? 'active' : subscription.status;
    changeSubscription(state, subscription.id, { items: itemList(subscription.id, items), status }, at);
  }
  const grace = state.billing.finalizationGraceSeconds;
  const invoice = createInvoice(state, subscription, 'subscription_cycle', [...lines, ...advance], { start: periodStart, end: at }, at, at + grace);
  if (grace === 0) collectInvoice(state, finalizeInvoice(state, invoice.id, at), at);
}
