import type { EmulatorState } from '../emulator-state.js';
import { invalidRequest } from '../http/stripe-api-error.js';
import type { WireSubscription } from './billing-wire-types.js';
import { collectInvoice, createInvoice, finalizeInvoice, itemLine } from './invoice-lifecycle.js';
import { changeSubscription } from './subscription-changes.js';
import { cycleEnd, isMetered, itemList } from './subscription-documents.js';

export type MissingPaymentMethodBehavior = 'cancel' | 'create_invoice' | 'pause';

/**
 * Whether the trial ending at `at` pauses the subscription: its `trial_settings` say `pause` when
 * the customer has no payment method, and emulated customers never have one on file.
 */
export function pausesAtTrialEnd(state: EmulatorState, subscription: WireSubscription, at: number): boolean {
  if (subscription.status !== 'trialing' || subscription.trial_end !== at) return false;
  if (subscription.trial_settings?.end_behavior.missing_payment_method !== 'pause') return false;
  const customer = state.customers.get(subscription.customer as string);
  return !customer?.invoice_settings.default_payment_method && !customer?.default_source;
}

/** The trial ended without a payment method: `paused`, no invoice, no further periods until resumed. */
export function pauseAtTrialEnd(state: EmulatorState, subscriptionId: string, at: number): void {
  const paused = changeSubscription(state, subscriptionId, { status: 'paused' }, at);
  state.billing.recordEvent('customer.subscription.paused', paused, at);
}

/**
 * `POST /v1/subscriptions/:id/resume`: active again with a new period starting now (the
 * `billing_cycle_anchor: 'now'` Stripe defaults to), its licensed items invoiced in advance.
 */
export function resumeSubscription(state: EmulatorState, subscriptionId: string, at: number): WireSubscription {
  const subscription = state.billing.subscriptions.require(subscriptionId);
  if (subscription.status !== 'paused') throw invalidRequest(`Subscription ${subscriptionId} is not paused: only a paused subscription can be resumed.`);
  const items = subscription.items.data.map((item) => ({ ...item, current_period_start: at, current_period_end: cycleEnd({ billing_cycle_anchor: at }, item.price, at) }));
  const resumed = changeSubscription(state, subscription.id, { status: 'active', billing_cycle_anchor: at, items: itemList(subscription.id, items) }, at);
  state.billing.recordEvent('customer.subscription.resumed', resumed, at);
  const lines = resumed.items.data.filter((item) => !isMetered(item)).map((item) => itemLine(state, resumed, item, at, item.current_period_end));
  collectInvoice(state, finalizeInvoice(state, createInvoice(state, resumed, 'subscription_update', lines, { start: at, end: at }, at, null).id, at), at);
  return state.billing.subscriptions.require(subscription.id);
}
