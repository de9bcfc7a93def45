import Stripe from 'stripe';
import { DomainError } from '../common/errors/domain-error.js';
import { isMeterEventAlreadyDelivered, type StripeFailureFields } from './meter-event-duplicate.js';
import { StripeErrors } from './stripe.errors.js';

/**
 * The one classification of a failed Stripe call, used by every caller (docs/stripe.md, Errors):
 * - `already_delivered`: Stripe already holds a meter event with this identifier (an earlier
 *   attempt delivered it);
 * - `session_expired`: the v2 meter event stream's session token expired;
 * - `credentials`: Stripe refused our key (401/403), an operator problem, not the caller's;
 * - `retryable`: no answer, 409 (Stripe: "the request conflicts with another request", e.g. the
 *   same idempotency key still in flight; the SDK itself retries it), 429 or 5xx; the same call
 *   with the same idempotency key may succeed later;
 * - `rejected`: any other 4xx, Stripe refused what was asked; the same call never succeeds.
 */
export type StripeErrorKind = 'already_delivered' | 'session_expired' | 'credentials' | 'retryable' | 'rejected';

export interface StripeErrorClass {
  kind: StripeErrorKind;
  /** `<status or "network"> [code]: <Stripe's message>`, for logs and stored failure reasons. */
  reason: string;
}

export function classifyStripeError(error: unknown): StripeErrorClass {
  const failure: StripeFailureFields = error && typeof error === 'object' ? (error as StripeFailureFields) : { message: String(error) };
  const status = failure.statusCode ?? 0;
  const reason = `${status || 'network'}${failure.code ? ` ${failure.code}` : ''}: ${failure.message ?? String(error)}`;
  if (isMeterEventAlreadyDelivered(failure)) return { kind: 'already_delivered', reason };
  if (failure.rawType === 'temporary_session_expired') return { kind: 'session_expired', reason };
  if (status === 401 || status === 403) return { kind: 'credentials', reason };
  if (status === 0 || status === 409 || status === 429 || status >= 500) return { kind: 'retryable', reason };
  return { kind: 'rejected', reason };
}

/**
 * Turns a failed Stripe call into the error the caller of our API should see: `rejected` → 422
 * STRIPE_REJECTED with Stripe's message; `retryable` → 503 STRIPE_UNAVAILABLE (retry the request);
 * `credentials` → 502 STRIPE_MISCONFIGURED. Anything that is not a Stripe error is returned unchanged.
 */
export function toStripeDomainError(error: unknown, action: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const stripe = { type: error.type, code: error.code, param: error.param, requestId: error.requestId };
  const { kind } = classifyStripeError(error);
  if (kind === 'credentials') return new DomainError(StripeErrors.STRIPE_MISCONFIGURED, `Stripe refused our credentials while trying to ${action}`, [stripe]);
  if (kind === 'retryable') return new DomainError(StripeErrors.STRIPE_UNAVAILABLE, `Stripe could not be reached to ${action}; retry the request`, [{ ...stripe, retryable: true }]);
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
