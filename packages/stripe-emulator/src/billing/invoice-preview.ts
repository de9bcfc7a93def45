import type { EmulatorState } from '../emulator-state.js';
import { invalidRequest } from '../http/stripe-api-error.js';
import type { WireInvoice, WireSubscription } from './billing-wire-types.js';
import { draftInvoice } from './invoice-documents.js';
import { itemLine } from './invoice-lifecycle.js';
import { cycleEnd, isMetered } from './subscription-documents.js';

const BILLING = new Set(['active', 'trialing', 'past_due']);

/** The subscription a preview is for: the one named, else the customer's only billing one. */
function subscriptionFor(state: EmulatorState, customerId: string | undefined, subscriptionId: string | undefined): WireSubscription {
  if (subscriptionId !== undefined) {
    const subscription = state.billing.subscriptions.require(subscriptionId, 'subscription');
    if (customerId !== undefined && subscription.customer !== customerId) throw invalidRequest(`The subscription ${subscriptionId} does not belong to the customer ${customerId}.`, { param: 'subscription' });
    return subscription;
  }
  if (customerId === undefined) throw invalidRequest('Missing required param: customer or subscription.', { code: 'parameter_missing', param: 'customer' });
  state.customers.require(customerId, 'customer');
  const billing = state.billing.subscriptions.all().filter((candidate) => candidate.customer === customerId && BILLING.has(candidate.status));
  if (billing.length !== 1) throw invalidRequest(`No upcoming invoices for customer: ${customerId}`, { code: 'invoice_upcoming_none' });
  return billing[0]!;
}

/**
 * `POST /v1/invoices/create_preview`: the invoice the subscription's current period will close
 * with, not stored. Metered items are billed in arrears with the usage recorded so far in their
 * current period, licensed items in advance for the next period. Its id starts `upcoming_`, its
 * billing reason is `upcoming`.
 */
export function previewInvoice(state: EmulatorState, customerId: string | undefined, subscriptionId: string | undefined): WireInvoice {
  const subscription = subscriptionFor(state, customerId, subscriptionId);
  if (!BILLING.has(subscription.status)) throw invalidRequest(`No upcoming invoices for subscription: ${subscription.id}`, { code: 'invoice_upcoming_none' });
  const customer = state.customers.require(subscription.customer as string, 'customer');
  const periodEnd = Math.min(...subscription.items.data.map((item) => item.current_period_end));
  const due = subscription.items.data.filter((item) => item.current_period_end <= periodEnd);
  const lines = due.map((item) =>
    isMetered(item) ? itemLine(state, subscription, item, item.current_period_start, item.current_period_end) : itemLine(state, subscription, item, periodEnd, cycleEnd(subscription, item.price, periodEnd)),
  );
  const periodStart = Math.min(...due.map((item) => item.current_period_start));
  const draft = draftInvoice({ customer, subscription, reason: 'upcoming', created: periodEnd, periodStart, periodEnd, lines, automaticallyFinalizesAt: null });
  const id = `upcoming_${draft.id}`;
  return { ...draft, id, lines: { ...draft.lines, data: draft.lines.data.map((line) => ({ ...line, invoice: id })), url: `/v1/invoices/${id}/lines` } };
}
