import { DomainError } from '../common/errors/domain-error';
import { MAX_BATCH_EVENTS, parseUsageBatch, parseUsageEvent } from './usage-event.parser';

const receivedAt = Date.UTC(2026, 10, 25, 12);
const customerId = '6f1c1c2e-1d2b-4c3d-9e4f-5a6b7c8d9e0f';

function problemsOf(body: unknown): Record<string, string[]> {
  const parsed = parseUsageEvent(body, receivedAt);
  if (parsed.ok) throw new Error('expected a rejection');
  return Object.fromEntries((parsed.error.details as { field: string; problems: string[] }[]).map((detail) => [detail.field, detail.problems]));
}

describe('parseUsageEvent', () => {
  it('normalises an event: value 1, receipt time, no properties, lower-case id', () => {
    expect(parseUsageEvent({ customerId: customerId.toUpperCase(), meter: 'api_calls', idempotencyKey: 'k', properties: {} }, receivedAt)).toEqual({
      ok: true,
      event: {
        customerId,
        externalCustomerId: null,
        meter: 'api_calls',
        value: 1,
        eventTime: '2026-11-25T12:00:00.000Z',
        timestampGiven: false,
        properties: null,
        idempotencyKey: 'k',
      },
    });
  });

  it('keeps what the caller gave, with the timestamp in UTC', () => {
    const parsed = parseUsageEvent(
      { externalCustomerId: 'acct_1', meter: 'storage-gb', value: 999_999_999_999_999, timestamp: '2026-11-25T13:00:00+02:00', idempotencyKey: 'k', properties: { a: 1 } },
      receivedAt,
    );
    expect(parsed).toMatchObject({ ok: true, event: { externalCustomerId: 'acct_1', value: 999_999_999_999_999, eventTime: '2026-11-25T11:00:00.000Z', timestampGiven: true, properties: { a: 1 } } });
  });

  it('treats null like an absent optional field', () => {
    expect(parseUsageEvent({ customerId, externalCustomerId: null, meter: 'm', value: null, timestamp: null, idempotencyKey: 'k', properties: null }, receivedAt).ok).toBe(true);
  });

  it('lists every problem with its field', () => {
    expect(problemsOf({ customerId: 'nope', meter: 'Bad Key', value: 1.5, timestamp: '2026-11-25', idempotencyKey: '', properties: 'x', extra: 1 })).toEqual({
      extra: ['property extra should not exist'],
      customerId: ['customerId must be a UUID'],
      meter: [expect.stringMatching(/meter key/)],
      value: [expect.stringMatching(/whole number/)],
      timestamp: [expect.stringMatching(/ISO-8601/)],
      idempotencyKey: [expect.stringMatching(/1 to 255 characters/)],
      properties: ['properties must be a JSON object'],
    });
  });

  it('wants exactly one customer reference', () => {
    expect(problemsOf({ meter: 'm', idempotencyKey: 'k' }).customerId).toEqual([expect.stringMatching(/exactly one/)]);
    expect(problemsOf({ customerId, externalCustomerId: 'a', meter: 'm', idempotencyKey: 'k' }).customerId).toEqual([expect.stringMatching(/exactly one/)]);
  });

  it.each([
    ['negative', -1],
    ['16 digits', 1e15],
    ['a string', '10'],
    ['fractional', 0.5],
  ])('refuses a %s value', (_name, value) => {
    expect(problemsOf({ customerId, meter: 'm', idempotencyKey: 'k', value }).value).toHaveLength(1);
  });

  it.each([
    ['a NUL character', { s: 'a\u0000' }],
    ['a lone surrogate', { s: '\ud800' }],
  ])('refuses properties with %s, which jsonb cannot store', (_name, properties) => {
    expect(problemsOf({ customerId, meter: 'm', idempotencyKey: 'k', properties }).properties).toHaveLength(1);
  });

  it('counts 255 characters by code point: 255 emoji (510 UTF-16 units) fit, 256 do not', () => {
    const emoji = '\ud83d\ude00';
    expect(parseUsageEvent({ externalCustomerId: emoji.repeat(200), meter: 'm', idempotencyKey: emoji.repeat(255) }, receivedAt).ok).toBe(true);
    expect(Object.keys(problemsOf({ externalCustomerId: emoji.repeat(256), meter: 'm', idempotencyKey: emoji.repeat(256) }))).toEqual(['externalCustomerId', 'idempotencyKey']);
  });

  it('refuses keys and customer references with an unpaired surrogate, which PostgreSQL cannot read', () => {
    expect(Object.keys(problemsOf({ externalCustomerId: 'a\udc00', meter: 'm', idempotencyKey: '\ud800' }))).toEqual(['externalCustomerId', 'idempotencyKey']);
  });

  it('accepts a backslash followed by u0000 as plain text, and a surrogate pair', () => {
    expect(parseUsageEvent({ customerId, meter: 'm', idempotencyKey: 'k', properties: { s: '\\u0000 😀' } }, receivedAt).ok).toBe(true);
  });

  it('answers 422 with the reason for a well-formed timestamp outside the window', () => {
    const parsed = parseUsageEvent({ customerId, meter: 'm', idempotencyKey: 'k', timestamp: '2026-10-01T00:00:00Z' }, receivedAt);
    expect(parsed.ok).toBe(false);
    const error = (parsed as { error: DomainError }).error;
    expect([error.status, error.code, error.message]).toEqual([422, 'USAGE_TIMESTAMP_OUT_OF_RANGE', expect.stringMatching(/in the past; events may be at most 35 days old/)]);
  });

  it('answers 422 USAGE_EVENT_EXPIRED for a timestamp before the retention horizon, before any other range check', () => {
    const horizon = receivedAt - 40 * 24 * 60 * 60 * 1000;
    const expired = parseUsageEvent({ customerId, meter: 'm', idempotencyKey: 'k', timestamp: new Date(horizon - 1).toISOString() }, receivedAt, horizon);
    expect(expired).toMatchObject({ ok: false, error: { status: 422, code: 'USAGE_EVENT_EXPIRED' } });
    expect(parseUsageEvent({ customerId, meter: 'm', idempotencyKey: 'k', timestamp: new Date(receivedAt - 1000).toISOString() }, receivedAt, horizon).ok).toBe(true);
  });

  it('refuses what is not an object', () => {
    for (const body of [null, [], 'event', 3]) expect(parseUsageEvent(body, receivedAt)).toMatchObject({ ok: false, error: { status: 400 } });
  });
});

describe('parseUsageBatch', () => {
  it('returns the elements of a valid envelope', () => {
    expect(parseUsageBatch({ events: [1, 2] })).toEqual([1, 2]);
  });

  it.each([
    ['a list as the body', [], 400],
    ['no events', {}, 400],
    ['an empty list', { events: [] }, 400],
    ['an unknown field', { events: [{}], force: true }, 400],
    ['too many events', { events: Array(MAX_BATCH_EVENTS + 1).fill({}) }, 413],
  ])('refuses %s', (_name, body, status) => {
    expect(() => parseUsageBatch(body)).toThrow(expect.objectContaining({ status }));
  });
});
