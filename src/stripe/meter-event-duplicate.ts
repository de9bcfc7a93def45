/** What a failed SDK call carries (StripeError and its subclasses), read without importing the SDK's classes. */
export interface StripeFailureFields {
  statusCode?: number;
  /** The error body's `type` (`invalid_request_error`); the SDK keeps it as `rawType`. */
  rawType?: string;
  code?: string;
  message?: string;
}

/** v1's wording, as public integrations report it: "An event already exists with identifier <id>." */
const V1_ALREADY_EXISTS = /^An event already exists with identifier /;
/** v2's documented code for the same refusal (POST /v2/billing/meter_events). */
const V2_DUPLICATE_CODE = 'duplicate_meter_event';

/**
 * The one place that decides "Stripe already holds a meter event with this identifier", so the
 * report carrying it counts as delivered. Read from the status, the error type and the message
 * (or v2's documented code), never from the message alone: a 400 `invalid_request_error` whose
 * message starts "An event already exists with identifier". If Stripe rewords it, the contract test
 * in test/stripe-meter-event-duplicates.e2e-spec.ts (which also runs against test mode)
 * fails, instead of a delivered report staying pending forever.
 */
export function isMeterEventAlreadyDelivered(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const failure = error as StripeFailureFields;
  if (failure.statusCode !== 400) return false;
  if (failure.code === V2_DUPLICATE_CODE) return true;
  return failure.rawType === 'invalid_request_error' && typeof failure.message === 'string' && V1_ALREADY_EXISTS.test(failure.message);
}
