import { backoffDelay, judgeStripeError, withRetries, type Verdict } from './delivery-policy';

/** The shape of the SDK's errors (StripeError subclasses) that the policy reads. */
const stripeError = (statusCode: number | undefined, message: string, extra: Record<string, string> = {}) => Object.assign(new Error(message), { statusCode, ...extra });

describe('judgeStripeError', () => {
  it('counts "an event already exists with identifier" as delivered', () => {
    expect(judgeStripeError(stripeError(400, 'An event already exists with identifier mbr_x_y_1_0.', { rawType: 'invalid_request_error' }), false)).toEqual({ kind: 'delivered' });
    expect(judgeStripeError(stripeError(400, 'A meter event with a duplicate identifier has already been submitted.', { code: 'duplicate_meter_event' }), true)).toEqual({ kind: 'delivered' });
  });

  it('does not read "already exists" from the wording alone: status and type must match too', () => {
    expect(judgeStripeError(stripeError(404, 'An event already exists with identifier x.', { rawType: 'invalid_request_error' }), false).kind).toBe('rejected');
    expect(judgeStripeError(stripeError(400, 'An event already exists with identifier x.', { rawType: 'api_error' }), false).kind).toBe('rejected');
    expect(judgeStripeError(stripeError(400, 'A meter already exists for this event name.', { rawType: 'invalid_request_error' }), false).kind).toBe('rejected');
  });

  it("rejects any other 400 with Stripe's message, never to be retried", () => {
    expect(judgeStripeError(stripeError(400, "No such customer: 'cus_gone'", { code: 'resource_missing' }), false)).toEqual({
      kind: 'rejected',
      reason: "400 resource_missing: No such customer: 'cus_gone'",
    });
  });

  it.each([
    ['429', stripeError(429, 'Too many requests')],
    ['500', stripeError(500, 'Internal error')],
    ['503', stripeError(503, 'Unavailable')],
    ['409', stripeError(409, 'Lock timeout')],
    ['a dropped connection', stripeError(undefined, 'socket hang up')],
    ['our revoked key', stripeError(401, 'Invalid API Key provided')],
  ])('retries %s', (_label, error) => {
    expect(judgeStripeError(error, false).kind).toBe('transient');
  });

  it('asks for a new session when the stream says its token expired', () => {
    expect(judgeStripeError(stripeError(401, 'The temporary session token has expired.', { rawType: 'temporary_session_expired' }), true).kind).toBe('session_expired');
  });
});

describe('withRetries', () => {
  const options = { maxAttempts: 4, baseMs: 0, stopping: () => false };

  it('tries again after transient failures until Stripe answers', async () => {
    const answers: Verdict[] = [{ kind: 'transient', reason: '500' }, { kind: 'transient', reason: '429' }, { kind: 'delivered' }];
    const send = jest.fn(async () => answers.shift()!);
    expect(await withRetries(send, options)).toEqual({ kind: 'delivered' });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('gives up after the last try with the last transient reason', async () => {
    const send = jest.fn(async (): Promise<Verdict> => ({ kind: 'transient', reason: '503' }));
    expect(await withRetries(send, options)).toEqual({ kind: 'transient', reason: '503' });
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('never retries a rejection', async () => {
    const send = jest.fn(async (): Promise<Verdict> => ({ kind: 'rejected', reason: '400' }));
    expect(await withRetries(send, options)).toEqual({ kind: 'rejected', reason: '400' });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('stops retrying once the application shuts down', async () => {
    let stopping = false;
    const send = jest.fn(async (): Promise<Verdict> => {
      stopping = true;
      return { kind: 'transient', reason: '500' };
    });
    expect(await withRetries(send, { ...options, stopping: () => stopping })).toEqual({ kind: 'transient', reason: '500' });
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('backoffDelay', () => {
  it('is random within an exponentially growing bound, capped at 30 s', () => {
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const delay = backoffDelay(100, attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 100 * 2 ** (attempt - 1)));
    }
  });
});
