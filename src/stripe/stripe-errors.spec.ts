import Stripe from 'stripe';
import { DomainError } from '../common/errors/domain-error';
import { classifyStripeError, toStripeDomainError } from './stripe-errors';

/** An SDK error as the client throws it for an HTTP answer with this status and body. */
function sdkError(statusCode: number, type: string, message: string, code?: string): Stripe.errors.StripeError {
  return Stripe.errors.StripeError.generate({ type, message, code, statusCode } as never) as Stripe.errors.StripeError;
}

describe('classifyStripeError: one classification for every caller (docs/stripe.md, Errors)', () => {
  it.each([
    ['409 (the same idempotency key still in flight)', sdkError(409, 'idempotency_error', 'There is currently another in-progress request using this Idempotent Key'), 'retryable'],
    ['429', sdkError(429, 'rate_limit_error', 'Too many requests'), 'retryable'],
    ['500', sdkError(500, 'api_error', 'Internal error'), 'retryable'],
    ['no answer', new Stripe.errors.StripeConnectionError({ message: 'socket hang up' } as never), 'retryable'],
    ['401', sdkError(401, 'invalid_request_error', 'Invalid API Key provided'), 'credentials'],
    ['403', sdkError(403, 'invalid_request_error', 'The provided key does not have access'), 'credentials'],
    ['400', sdkError(400, 'invalid_request_error', "No such customer: 'cus_gone'", 'resource_missing'), 'rejected'],
    ['400 idempotency_error (same key, other parameters)', sdkError(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters'), 'rejected'],
    ['a known meter event identifier', sdkError(400, 'invalid_request_error', 'An event already exists with identifier mbr_1.'), 'already_delivered'],
  ])('%s → %s', (_label, error, kind) => {
    expect(classifyStripeError(error).kind).toBe(kind);
  });

  it("names the status, the code and Stripe's message in the reason", () => {
    expect(classifyStripeError(sdkError(400, 'invalid_request_error', "No such customer: 'cus_gone'", 'resource_missing')).reason).toBe("400 resource_missing: No such customer: 'cus_gone'");
  });
});

describe('toStripeDomainError: what a caller of our API sees', () => {
  const statusOf = (error: unknown) => (toStripeDomainError(error, 'create the customer') as DomainError).status;

  it('answers a 409 from Stripe with 503 STRIPE_UNAVAILABLE (retry the request), as the reporter retries it', () => {
    const mapped = toStripeDomainError(sdkError(409, 'idempotency_error', 'in progress'), 'create the customer') as DomainError;
    expect(mapped.status).toBe(503);
    expect(mapped.code).toBe('STRIPE_UNAVAILABLE');
  });

  it('answers a refusal with 422, our credentials refused with 502', () => {
    expect(statusOf(sdkError(400, 'invalid_request_error', 'bad'))).toBe(422);
    expect(statusOf(sdkError(401, 'invalid_request_error', 'Invalid API Key provided'))).toBe(502);
  });

  it('leaves other errors unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(toStripeDomainError(bug, 'create the customer')).toBe(bug);
  });
});
