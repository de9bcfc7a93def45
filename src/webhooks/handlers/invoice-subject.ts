import type { Stripe } from '../../stripe/stripe.constants.js';

/** The Stripe subscription an invoice bills (API 2025-03-31+: under parent.subscription_details). */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const subscription = invoice.parent?.subscription_details?.subscription;
  if (!subscription) return null;
  return typeof subscription === 'string' ? subscription : subscription.id;
}

export function invoiceCustomerId(invoice: Stripe.Invoice): string | null {
  if (!invoice.customer) return null;
  return typeof invoice.customer === 'string' ? invoice.customer : invoice.customer.id;
}

export const fromUnixSeconds = (seconds: number) => new Date(seconds * 1000);
