import Stripe from 'stripe';
import { DomainError } from '../common/errors/domain-error.js';
import { StripeErrors } from './stripe.errors.js';

/**
 * Turns a failed Stripe call into the error the caller of our API should see:
 * - Stripe refused the request because of what the caller asked (4xx) → 422 with Stripe's message;
 * - Stripe unreachable, rate limited or failing (after the SDK's retries) → 503, retryable;
 * - our own credentials rejected → 502: an operator problem, not the caller's.
 * Anything else is not a Stripe error and is rethrown unchanged.
 */
export function toStripeDomainError(error: unknown, action: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const stripe = { type: error.type, code: error.code, param: error.param, requestId: error.requestId };
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return new DomainError(StripeErrors.STRIPE_MISCONFIGURED, `Stripe refused our credentials while trying to ${action}`, [stripe]);
  }
  const status = error.statusCode ?? 0;
  const unavailable =
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    status === 0 ||
    status === 429 ||
    status >= 500;
  if (unavailable) {
    return new DomainError(StripeErrors.STRIPE_UNAVAILABLE, `Stripe could not be reached to ${action}; retry the request`, [{ ...stripe, retryable: true }]);
  }
  return new DomainError(StripeErrors.STRIPE_REJECTED, `Stripe rejected the request to ${action}: ${error.message}`, [stripe]);
}

/** Runs a Stripe call and converts its failure with toStripeDomainError. */
export async function callStripe<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStripeDomainError(error, action);
  }
}
