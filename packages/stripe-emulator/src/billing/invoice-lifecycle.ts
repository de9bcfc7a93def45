import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { invalidRequest, StripeApiError } from '../http/stripe-api-error.js';
import type { WireInvoice, WireInvoiceLine, WireSubscription, WireSubscriptionItem } from './billing-wire-types.js';
import { draftInvoice, type LineInput, withLines } from './invoice-documents.js';
import { meteredUsage } from '../meters/meter-aggregation.js';
import type { WirePrice } from '../state/wire-types.js';
import { lineAmount } from './line-amount.js';
import { changeSubscription } from './subscription-changes.js';
import { isMetered } from './subscription-documents.js';

function productName(state: EmulatorState, price: WirePrice): string {
  const product = price.product;
  return typeof product === 'string' ? (state.products.get(product)?.name ?? product) : product.name;
}

/** Usage during a trial is recorded but not charged (the trial is free). */
function inTrial(subscription: WireSubscription, end: number): boolean {
  return subscription.trial_end !== null && end <= subscription.trial_end;
}

/** Negative meter events lower a sum meter's total; a period whose total is below zero bills 0, as Stripe does. */
function usageOf(state: EmulatorState, price: WirePrice, customerId: string, start: number, end: number): bigint {
  const meterId = price.recurring?.meter;
  const total = meterId ? meteredUsage(state, meterId, customerId, start, end) : 0n;
  return total < 0n ? 0n : total;
}

function priced(unitAmountDecimal: string | null, quantity: bigint, free: boolean): number {
  return free || unitAmountDecimal === null ? 0 : lineAmount(unitAmountDecimal, quantity);
}

/**
 * The line billing one item over `[start, end)`: metered items in arrears from the meter events
 * in that period, licensed items for their quantity.
 */
export function itemLine(state: EmulatorState, subscription: WireSubscription, item: WireSubscriptionItem, start: number, end: number): LineInput {
  const free = inTrial(subscription, end);
  const name = productName(state, item.price);
  const quantity = isMetered(item) ? usageOf(state, item.price, subscription.customer as string, start, end) : BigInt(item.quantity ?? 1);
  const description = free ? `Trial period for ${name}` : `${quantity} × ${name}`;
  return { item, start, end, quantity, amount: priced(item.price.unit_amount_decimal, quantity, free), description };
}

/**
 * A draft's metered lines follow the ledger until finalization: usage for the period that
 * arrives during the grace period is billed on it. After finalization nothing changes it.
 */
export function refreshDraft(state: EmulatorState, invoice: WireInvoice): WireInvoice {
  if (invoice.status !== 'draft') return invoice;
  const subscription = state.billing.subscriptions.get(invoice.parent.subscription_details.subscription);
  const lines = invoice.lines.data.map((line): WireInvoiceLine => {
    const price = state.prices.get(line.pricing.price_details.price);
    if (price?.recurring?.usage_type !== 'metered') return line;
    const quantity = usageOf(state, price, invoice.customer, line.period.start, line.period.end);
    const free = subscription !== undefined && inTrial(subscription, line.period.end);
    const amount = priced(price.unit_amount_decimal, quantity, free);
    return { ...line, quantity: Number(quantity), quantity_decimal: quantity.toString(), amount, subtotal: amount, description: free ? line.description : `${quantity} × ${productName(state, price)}` };
  });
  return state.billing.invoices.put(withLines(invoice, lines));
}

/** Creates a subscription's invoice as a draft (`invoice.created`); it becomes the latest invoice. */
export function createInvoice(
  state: EmulatorState,
  subscription: WireSubscription,
  reason: Stripe.Invoice.BillingReason,
  lines: LineInput[],
  period: { start: number; end: number },
  at: number,
  finalizesAt: number | null,
): WireInvoice {
  const customer = state.customers.require(subscription.customer as string, 'customer');
  const invoice = state.billing.invoices.put(
    draftInvoice({ customer, subscription, reason, created: at, periodStart: period.start, periodEnd: period.end, lines, automaticallyFinalizesAt: finalizesAt }),
  );
  changeSubscription(state, subscription.id, { latest_invoice: invoice.id }, at);
  state.billing.recordEvent('invoice.created', invoice, at);
  return invoice;
}

function nextNumber(state: EmulatorState, customerId: string): string {
  const customer = state.customers.require(customerId, 'customer');
  state.customers.put({ ...customer, next_invoice_sequence: (customer.next_invoice_sequence ?? 1) + 1 });
  return `${customer.invoice_prefix}-${String(customer.next_invoice_sequence ?? 1).padStart(4, '0')}`;
}

/** draft → open (`invoice.finalized`); its lines are frozen from here on. A $0 invoice is paid at once. */
export function finalizeInvoice(state: EmulatorState, invoiceId: string, at: number): WireInvoice {
  const draft = state.billing.invoices.require(invoiceId);
  if (draft.status !== 'draft') throw invalidRequest("This invoice is already finalized, you can't re-finalize a non-draft invoice.", { code: 'invoice_not_editable' });
  const refreshed = refreshDraft(state, draft);
  const finalized = state.billing.invoices.put({
    ...refreshed,
    status: 'open',
    number: nextNumber(state, refreshed.customer),
    automatically_finalizes_at: null,
    effective_at: at,
    ending_balance: 0,
    status_transitions: { ...refreshed.status_transitions, finalized_at: at },
  });
  state.billing.recordEvent('invoice.finalized', finalized, at);
  return finalized.amount_due === 0 ? markPaid(state, finalized, at) : finalized;
}

/**
 * `POST /v1/invoices/:id` with `auto_advance`. Off, a draft is no longer scheduled to finalize
 * (`automatically_finalizes_at` null: the test clock passes its grace without finalizing it); on
 * again, it finalizes when it was due, or at the next billing step if that moment has passed.
 */
export function setAutoAdvance(state: EmulatorState, invoiceId: string, autoAdvance: boolean, at: number): WireInvoice {
  const invoice = refreshDraft(state, state.billing.invoices.require(invoiceId));
  if (invoice.auto_advance === autoAdvance) return invoice;
  const paused = state.billing.pausedFinalizations;
  let finalizesAt = invoice.automatically_finalizes_at;
  if (invoice.status === 'draft' && !autoAdvance && finalizesAt !== null) {
    paused.set(invoice.id, finalizesAt);
    finalizesAt = null;
  } else if (invoice.status === 'draft' && autoAdvance) {
    const due = paused.get(invoice.id);
    paused.delete(invoice.id);
    finalizesAt = due === undefined ? null : Math.max(due, at);
  }
  const updated = state.billing.invoices.put({ ...invoice, auto_advance: autoAdvance, automatically_finalizes_at: finalizesAt });
  state.billing.recordEvent('invoice.updated', updated, at, { auto_advance: invoice.auto_advance, automatically_finalizes_at: invoice.automatically_finalizes_at });
  return updated;
}

function markPaid(state: EmulatorState, invoice: WireInvoice, at: number, attempted = invoice.amount_due > 0): WireInvoice {
  const paid = state.billing.invoices.put({
    ...invoice,
    status: 'paid',
    amount_paid: invoice.amount_due,
    amount_remaining: 0,
    attempted: attempted || invoice.attempted,
    attempt_count: invoice.attempt_count + (attempted ? 1 : 0),
    next_payment_attempt: null,
    status_transitions: { ...invoice.status_transitions, paid_at: at },
  });
  state.billing.recordEvent('invoice.paid', paid, at);
  state.billing.recordEvent('invoice.payment_succeeded', paid, at);
  const subscription = state.billing.subscriptions.get(paid.parent.subscription_details.subscription);
  // paying the latest invoice brings a subscription back to good standing
  if (subscription && subscription.latest_invoice === paid.id && (subscription.status === 'past_due' || subscription.status === 'incomplete')) {
    changeSubscription(state, subscription.id, { status: 'active' }, at);
  }
  return paid;
}

function markFailed(state: EmulatorState, invoice: WireInvoice, at: number): WireInvoice {
  // Smart Retries are not emulated: no next attempt is scheduled
  const failed = state.billing.invoices.put({ ...invoice, attempted: true, attempt_count: invoice.attempt_count + 1, next_payment_attempt: null });
  state.billing.recordEvent('invoice.payment_failed', failed, at);
  const subscription = state.billing.subscriptions.get(failed.parent.subscription_details.subscription);
  if (subscription && (subscription.status === 'active' || subscription.status === 'trialing')) changeSubscription(state, subscription.id, { status: 'past_due' }, at);
  return failed;
}

/** Stripe's automatic collection right after finalization: paid, or declined for a customer marked to fail. */
export function collectInvoice(state: EmulatorState, invoice: WireInvoice, at: number): WireInvoice {
  if (invoice.status !== 'open') return invoice;
  return state.billing.failingCustomers.has(invoice.customer) ? markFailed(state, invoice, at) : markPaid(state, invoice, at);
}

/** `POST /v1/invoices/:id/pay`: a draft is finalized first; a declined card is a 402 card_error. */
export function payInvoice(state: EmulatorState, invoiceId: string, at: number, outOfBand: boolean): WireInvoice {
  let invoice = state.billing.invoices.require(invoiceId);
  if (invoice.status === 'paid') throw invalidRequest('Invoice is already paid', { code: 'invoice_already_paid' });
  if (invoice.status === 'void' || invoice.status === 'uncollectible') throw invalidRequest(`This invoice can no longer be paid: it is ${invoice.status}.`, { code: 'invoice_not_editable' });
  if (invoice.status === 'draft') invoice = finalizeInvoice(state, invoice.id, at);
  if (invoice.status !== 'open') return invoice;
  if (outOfBand) return markPaid(state, invoice, at, false);
  if (state.billing.failingCustomers.has(invoice.customer)) {
    markFailed(state, invoice, at);
    throw new StripeApiError(402, 'card_error', 'Your card was declined.', { code: 'card_declined' });
  }
  return markPaid(state, invoice, at);
}
