import { errorCodes } from '../common/errors/error-codes.js';

/** What a Stripe failure is answered with, whichever module called Stripe. */
export const StripeErrors = errorCodes('stripe', {
  STRIPE_REJECTED: 422,
  STRIPE_MISCONFIGURED: 502,
  STRIPE_UNAVAILABLE: 503,
});
