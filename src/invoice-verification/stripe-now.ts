import type { Stripe } from '../stripe/stripe.constants.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';

/**
 * "Now" as Stripe sees it for an invoice, in unix seconds: the frozen time of the customer's test
 * clock when it has one (its invoices finalize by that clock), else the real time.
 */
export async function stripeNow(stripe: StripeGateway, invoice: Stripe.Invoice): Promise<number> {
  const clockId = typeof invoice.test_clock === 'string' ? invoice.test_clock : invoice.test_clock?.id;
  if (!clockId) return Math.floor(Date.now() / 1000);
  return stripe.testClockTime(clockId);
}
