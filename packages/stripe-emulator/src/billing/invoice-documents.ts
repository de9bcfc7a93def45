import { createHmac, randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { stripeId } from '../state/stripe-ids.js';
import type { WireCustomer } from '../state/wire-types.js';
import type { WireInvoice, WireInvoiceLine, WireSubscription, WireSubscriptionItem } from './billing-wire-types.js';

/** One line to bill: a subscription item over a period. */
export interface LineInput {
  item: WireSubscriptionItem;
  start: number;
  end: number;
  quantity: bigint;
  amount: number;
  description: string;
}

export interface InvoiceInput {
  customer: WireCustomer;
  subscription: WireSubscription;
  reason: Stripe.Invoice.BillingReason;
  created: number;
  periodStart: number;
  periodEnd: number;
  lines: LineInput[];
  automaticallyFinalizesAt: number | null;
}

function productOf(item: WireSubscriptionItem): string {
  return typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
}

export function invoiceLine(invoiceId: string, subscriptionId: string, line: LineInput, id = stripeId('il')): WireInvoiceLine {
  return {
    id,
    object: 'line_item',
    amount: line.amount,
    currency: line.item.price.currency,
    description: line.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscriptionId, subscription_item: line.item.id },
    },
    period: { start: line.start, end: line.end },
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: line.item.price.id, product: productOf(line.item) }, unit_amount_decimal: line.item.price.unit_amount_decimal },
    quantity: Number(line.quantity),
    quantity_decimal: line.quantity.toString(),
    subscription: subscriptionId,
    subtotal: line.amount,
    taxes: [],
  };
}

/** The invoice with `lines` and every total derived from them (no discounts, taxes or balance). */
export function withLines(invoice: WireInvoice, lines: WireInvoiceLine[]): WireInvoice {
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  return {
    ...invoice,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invoice.id}/lines` },
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
    amount_due: Math.max(0, total),
    amount_remaining: Math.max(0, total - invoice.amount_paid),
  };
}

/** A draft subscription invoice, shaped as API 2025-03-31+ returns it (`parent`, no `subscription`). */
export function draftInvoice(input: InvoiceInput): WireInvoice {
  const { customer, subscription } = input;
  const id = stripeId('in');
  const invoice: WireInvoice = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe emulator',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: input.automaticallyFinalizesAt,
    billing_reason: input.reason,
    collection_method: 'charge_automatically',
    created: input.created,
    currency: subscription.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email ?? null,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id } },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.periodEnd,
    period_start: input.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  return withLines(
    invoice,
    input.lines.map((line) => invoiceLine(id, subscription.id, line)),
  );
}

const SECRET_KEY = randomBytes(32);

/**
 * The `confirmation_secret` Stripe returns when it is expanded: the client secret of the
 * PaymentIntent made at finalization. A $0 invoice has no PaymentIntent, hence no secret. Derived
 * from the invoice id, so nothing extra is stored and every read returns the same secret.
 */
export function confirmationSecretOf(invoice: WireInvoice): Stripe.Invoice.ConfirmationSecret | null {
  if (invoice.status === 'draft' || invoice.status === 'void' || invoice.amount_due <= 0) return null;
  const digest = createHmac('sha256', SECRET_KEY).update(invoice.id).digest('hex');
  return { client_secret: `pi_${digest.slice(0, 24)}_secret_${digest.slice(24, 49)}`, type: 'payment_intent' };
}
