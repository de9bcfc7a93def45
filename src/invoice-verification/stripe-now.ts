import type { MetricsService } from '../metrics/metrics.service.js';
import type { Stripe } from '../stripe/stripe.constants.js';

/**
 * "Now" as Stripe sees it for an invoice, in unix seconds: the frozen time of the customer's test
 * clock when it has one (its invoices finalize by that clock), else the real time.
 */
export async function stripeNow(stripe: Stripe, metrics: MetricsService, invoice: Stripe.Invoice): Promise<number> {
  const clockId = typeof invoice.test_clock === 'string' ? invoice.test_clock : invoice.test_clock?.id;
  if (!clockId) return Math.floor(Date.now() / 1000);
  const clock = await metrics.timeStripeCall('test_clocks.retrieve', () => stripe.testHelpers.testClocks.retrieve(clockId));
  return clock.frozen_time;
}
