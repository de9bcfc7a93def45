import { startTestApp, type TestApp } from './support/test-app';
import { countUsageEvents, insertCustomerRow, insertMeterRow, usageEventRows, type CustomerRow, type MeterRow } from './support/billing-rows';

const DAY = 24 * 60 * 60 * 1000;

describe('POST /v1/usage (e2e)', () => {
  let testApp: TestApp;
  let customer: CustomerRow;
  let meter: MeterRow;
  let otherMeter: MeterRow;
  let keySequence = 0;
  const newKey = () => `key-${++keySequence}`;

  beforeAll(async () => {
    testApp = await startTestApp();
    customer = await insertCustomerRow(testApp, { stripeCustomerId: 'cus_ingest' });
    meter = await insertMeterRow(testApp, { key: 'api_calls' });
    otherMeter = await insertMeterRow(testApp, { key: 'storage_gb' });
    await insertMeterRow(testApp, { key: 'retired', active: false });
  });
  afterAll(() => testApp.close());

  const post = (body: unknown) => testApp.http.post('/v1/usage').send(body as object);

  describe('recording', () => {
    it('answers 202 accepted once the event is stored with what the caller sent', async () => {
      const timestamp = new Date(Date.now() - 3 * DAY).toISOString();
      const response = await post({ customerId: customer.id, meter: 'api_calls', value: 42, timestamp, idempotencyKey: 'rec-1', properties: { region: 'eu' } }).expect(202);
      expect(response.body).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'accepted' });
      const stored = (await usageEventRows(testApp)).find((row) => row.id === response.body.id);
      expect(stored).toMatchObject({ customer_id: customer.id, meter_id: meter.id, idempotency_key: 'rec-1', value: '42', event_time: timestamp, timestamp_defaulted: false, properties: { region: 'eu' } });
    });

    it('finds the customer by externalCustomerId, defaults value to 1 and the time to the receipt time', async () => {
      const before = Date.now();
      const response = await post({ externalCustomerId: customer.externalId, meter: 'api_calls', idempotencyKey: 'rec-2' }).expect(202);
      const stored = (await usageEventRows(testApp)).find((row) => row.id === response.body.id)!;
      expect(stored).toMatchObject({ customer_id: customer.id, value: '1', timestamp_defaulted: true, properties: null });
      expect(Date.parse(stored.event_time)).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(stored.event_time)).toBeLessThanOrEqual(Date.now());
    });

    it('counts characters by code point like POST /v1/customers: a 200-emoji external id and a 255-emoji key are accepted (were 400)', async () => {
      const emoji = '\ud83d\ude00';
      await testApp.http.post('/v1/customers').send({ externalId: emoji.repeat(200), email: 'emoji@example.com' }).expect(201);
      const response = await post({ externalCustomerId: emoji.repeat(200), meter: 'api_calls', idempotencyKey: emoji.repeat(255) }).expect(202);
      expect(response.body.status).toBe('accepted');
    });

    it('accepts unix seconds and an ISO offset, storing the same instant', async () => {
      const seconds = Math.floor(Date.now() / 1000) - 3600;
      const fromSeconds = await post({ customerId: customer.id, meter: 'api_calls', timestamp: seconds, idempotencyKey: 'rec-3' }).expect(202);
      const withOffset = new Date(seconds * 1000 + 2 * 3600 * 1000).toISOString().replace('.000Z', '+02:00');
      const fromOffset = await post({ customerId: customer.id, meter: 'api_calls', timestamp: withOffset, idempotencyKey: 'rec-4' }).expect(202);
      const rows = await usageEventRows(testApp);
      const times = [fromSeconds, fromOffset].map((response) => rows.find((row) => row.id === response.body.id)!.event_time);
      expect(times).toEqual([new Date(seconds * 1000).toISOString(), new Date(seconds * 1000).toISOString()]);
    });

    it('records usage of a customer without a Stripe customer id (not yet billable, never dropped)', async () => {
      const unbilled = await insertCustomerRow(testApp, { stripeCustomerId: null });
      const response = await post({ customerId: unbilled.id, meter: 'api_calls', value: 7, idempotencyKey: 'rec-5' }).expect(202);
      expect(response.body.status).toBe('accepted');
      expect((await usageEventRows(testApp)).filter((row) => row.customer_id === unbilled.id).map((row) => row.value)).toEqual(['7']);
    });

    it('takes a usage:write key and refuses a usage:read one', async () => {
      const writer = await testApp.createKey('usage:write');
      const reader = await testApp.createKey('usage:read');
      const body = { customerId: customer.id, meter: 'api_calls', idempotencyKey: 'scoped' };
      await testApp.anonymous.post('/v1/usage').set('authorization', `Bearer ${writer}`).send(body).expect(202);
      const refused = await testApp.anonymous.post('/v1/usage/batch').set('authorization', `Bearer ${reader}`).send({ events: [body] }).expect(403);
      expect(refused.body.error).toBe('FORBIDDEN_SCOPE');
    });

    it('scopes idempotency keys per customer', async () => {
      const other = await insertCustomerRow(testApp);
      await post({ customerId: customer.id, meter: 'api_calls', idempotencyKey: 'shared-key' }).expect(202);
      const response = await post({ customerId: other.id, meter: 'api_calls', idempotencyKey: 'shared-key' }).expect(202);
      expect(response.body.status).toBe('accepted');
    });
  });

  describe('idempotency', () => {
    it('answers a sequential retry with duplicate, the same id, and stores nothing new', async () => {
      const seconds = Math.floor(Date.now() / 1000) - 86_400;
      const body = { customerId: customer.id, meter: 'api_calls', value: 5, timestamp: new Date(seconds * 1000).toISOString(), idempotencyKey: newKey(), properties: { a: 1, b: [1, 2] } };
      const first = await post(body).expect(202);
      const count = await countUsageEvents(testApp);
      const retry = await post(body).expect(202);
      // properties in another key order are the same JSON object; the same instant in unix seconds is the same time
      const reworded = await post({ ...body, timestamp: seconds, properties: { b: [1, 2], a: 1 } }).expect(202);
      expect([retry.body, reworded.body]).toEqual([{ id: first.body.id, status: 'duplicate' }, { id: first.body.id, status: 'duplicate' }]);
      expect(await countUsageEvents(testApp)).toBe(count);
    });

    it('treats a retry without a timestamp as the same event although its receipt time differs', async () => {
      const body = { customerId: customer.id, meter: 'api_calls', value: 3, idempotencyKey: newKey() };
      const first = await post(body).expect(202);
      const storedTime = (await usageEventRows(testApp)).find((row) => row.id === first.body.id)!.event_time;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const retry = await post(body).expect(202);
      expect(retry.body).toEqual({ id: first.body.id, status: 'duplicate' });
      expect((await usageEventRows(testApp)).find((row) => row.id === first.body.id)!.event_time).toBe(storedTime);
    });

    it('holds across timestamps: the same key at another time is a conflict, not a second event', async () => {
      const key = newKey();
      await post({ customerId: customer.id, meter: 'api_calls', timestamp: new Date(Date.now() - 30 * DAY).toISOString(), idempotencyKey: key }).expect(202);
      const count = await countUsageEvents(testApp);
      const later = new Date(Date.now() - 60_000).toISOString();
      const response = await post({ customerId: customer.id, meter: 'api_calls', timestamp: later, idempotencyKey: key }).expect(409);
      expect(response.body.details).toEqual([{ field: 'timestamp', received: later }]);
      const retryWithoutTime = await post({ customerId: customer.id, meter: 'api_calls', idempotencyKey: key }).expect(202);
      expect(retryWithoutTime.body.status).toBe('duplicate');
      expect(await countUsageEvents(testApp)).toBe(count);
    });

    it('answers 409 naming every differing field with the received value, never the stored one, and changes nothing', async () => {
      const key = newKey();
      const timestamp = new Date(Date.now() - 2 * DAY).toISOString();
      const first = await post({ customerId: customer.id, meter: 'api_calls', value: 10, timestamp, idempotencyKey: key, properties: { plan: 'pro' } }).expect(202);
      const before = await usageEventRows(testApp);
      const response = await post({ externalCustomerId: customer.externalId, meter: 'storage_gb', value: 11, timestamp, idempotencyKey: key, properties: { plan: 'team' } }).expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        error: 'USAGE_IDEMPOTENCY_CONFLICT',
        message: expect.stringContaining(key),
        details: [
          { field: 'meter', received: 'storage_gb' },
          { field: 'value', received: '11' },
          { field: 'properties', received: { plan: 'team' } },
        ],
      });
      expect(await usageEventRows(testApp)).toEqual(before);
      expect(before.find((row) => row.id === first.body.id)?.meter_id).not.toBe(otherMeter.id);
    });

    it('lets 50 parallel identical requests store one event: one accepted, 49 duplicates (group commit on)', async () => {
      const body = { customerId: customer.id, meter: 'api_calls', value: 9, idempotencyKey: newKey() };
      const responses = await Promise.all(Array.from({ length: 50 }, () => post(body)));
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
      expect(responses.filter((response) => response.body.status === 'accepted')).toHaveLength(1);
      expect(responses.filter((response) => response.body.status === 'duplicate')).toHaveLength(49);
      expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
      expect((await usageEventRows(testApp)).filter((row) => row.idempotency_key === body.idempotencyKey)).toHaveLength(1);
    });
  });

  describe('bad input: a clear 4xx and nothing stored', () => {
    const valid = () => ({ customerId: customer.id, meter: 'api_calls', idempotencyKey: newKey() });
    const cases: Array<[string, () => unknown, number, string]> = [
      ['an unknown field', () => ({ ...valid(), quantity: 3 }), 400, 'VALIDATION_FAILED'],
      ['no customer reference', () => ({ meter: 'api_calls', idempotencyKey: newKey() }), 400, 'VALIDATION_FAILED'],
      ['both customer references', () => ({ ...valid(), externalCustomerId: customer.externalId }), 400, 'VALIDATION_FAILED'],
      ['a customerId that is no UUID', () => ({ ...valid(), customerId: 'cus_123' }), 400, 'VALIDATION_FAILED'],
      ['no meter', () => ({ customerId: customer.id, idempotencyKey: newKey() }), 400, 'VALIDATION_FAILED'],
      ['a meter that is no key', () => ({ ...valid(), meter: 'API Calls' }), 400, 'VALIDATION_FAILED'],
      ['a negative value', () => ({ ...valid(), value: -1 }), 400, 'VALIDATION_FAILED'],
      ['a fractional value', () => ({ ...valid(), value: 1.5 }), 400, 'VALIDATION_FAILED'],
      ['a value as a string', () => ({ ...valid(), value: '5' }), 400, 'VALIDATION_FAILED'],
      ['a value of 16 digits', () => ({ ...valid(), value: 1_000_000_000_000_000 }), 400, 'VALIDATION_FAILED'],
      ['a timestamp without an offset', () => ({ ...valid(), timestamp: '2026-11-25T10:00:00' }), 400, 'VALIDATION_FAILED'],
      ['a date that does not exist', () => ({ ...valid(), timestamp: '2026-02-30T10:00:00Z' }), 400, 'VALIDATION_FAILED'],
      ['a timestamp in milliseconds', () => ({ ...valid(), timestamp: Date.now() }), 400, 'VALIDATION_FAILED'],
      ['a timestamp that is not a date', () => ({ ...valid(), timestamp: 'yesterday' }), 400, 'VALIDATION_FAILED'],
      ['no idempotencyKey', () => ({ customerId: customer.id, meter: 'api_calls' }), 400, 'VALIDATION_FAILED'],
      ['an empty idempotencyKey', () => ({ ...valid(), idempotencyKey: '' }), 400, 'VALIDATION_FAILED'],
      ['an idempotencyKey of 256 characters', () => ({ ...valid(), idempotencyKey: 'k'.repeat(256) }), 400, 'VALIDATION_FAILED'],
      ['an idempotencyKey with a NUL character', () => ({ ...valid(), idempotencyKey: 'a\u0000b' }), 400, 'VALIDATION_FAILED'],
      ['an idempotencyKey with an unpaired surrogate', () => ({ ...valid(), idempotencyKey: 'a\ud800b' }), 400, 'VALIDATION_FAILED'],
      ['an externalCustomerId with an unpaired surrogate', () => ({ externalCustomerId: '\udc00', meter: 'api_calls', idempotencyKey: newKey() }), 400, 'VALIDATION_FAILED'],
      ['properties that are an array', () => ({ ...valid(), properties: [1] }), 400, 'VALIDATION_FAILED'],
      ['properties holding a NUL character', () => ({ ...valid(), properties: { note: 'a\u0000b' } }), 400, 'VALIDATION_FAILED'],
      ['properties over 4096 characters', () => ({ ...valid(), properties: { note: 'x'.repeat(5000) } }), 400, 'VALIDATION_FAILED'],
      ['a body that is an array', () => [valid()], 400, 'VALIDATION_FAILED'],
      ['a timestamp 36 days old', () => ({ ...valid(), timestamp: new Date(Date.now() - 36 * DAY).toISOString() }), 422, 'USAGE_TIMESTAMP_OUT_OF_RANGE'],
      ['a timestamp 6 minutes ahead', () => ({ ...valid(), timestamp: Math.floor(Date.now() / 1000) + 360 }), 422, 'USAGE_TIMESTAMP_OUT_OF_RANGE'],
      ['an unknown customerId', () => ({ ...valid(), customerId: '00000000-0000-4000-8000-000000000000' }), 404, 'CUSTOMER_NOT_FOUND'],
      ['an unknown externalCustomerId', () => ({ externalCustomerId: 'nobody', meter: 'api_calls', idempotencyKey: newKey() }), 404, 'CUSTOMER_NOT_FOUND'],
      ['an unknown meter', () => ({ ...valid(), meter: 'no_such_meter' }), 422, 'METER_NOT_FOUND'],
      ['an inactive meter', () => ({ ...valid(), meter: 'retired' }), 422, 'METER_INACTIVE'],
    ];

    it.each(cases)('refuses %s', async (_name, body, status, code) => {
      const count = await countUsageEvents(testApp);
      const response = await post(body()).expect(status);
      expect(response.body).toMatchObject({ statusCode: status, error: code, message: expect.any(String) });
      expect(await countUsageEvents(testApp)).toBe(count);
    });

    it('names every invalid field at once', async () => {
      const response = await post({ customerId: 'x', meter: 1, value: -1, timestamp: 'soon', extra: true }).expect(400);
      expect(response.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['customerId', 'extra', 'idempotencyKey', 'meter', 'timestamp', 'value']);
    });

    it('says why a timestamp is out of range', async () => {
      const response = await post({ ...valid(), timestamp: new Date(Date.now() - 40 * DAY).toISOString() }).expect(422);
      expect(response.body.message).toMatch(/40 days in the past; events may be at most 35 days old/);
    });

    it('refuses malformed JSON with a 400', async () => {
      const response = await testApp.http.post('/v1/usage').set('content-type', 'application/json').send('{"meter": ').expect(400);
      expect(response.body.error).toBe('MALFORMED_JSON');
    });
  });
});

describe('POST /v1/usage without group commit (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ USAGE_GROUP_COMMIT_MAX_WAIT_MS: '0', DATABASE_POOL_MAX: '20' });
  });
  afterAll(() => testApp.close());

  it('lets 50 parallel identical requests in separate transactions store one event (the concurrent-commit race)', async () => {
    const customer = await insertCustomerRow(testApp);
    await insertMeterRow(testApp, { key: 'api_calls' });
    for (let round = 0; round < 3; round++) {
      const body = { customerId: customer.id, meter: 'api_calls', value: 2, idempotencyKey: `race-${round}` };
      const responses = await Promise.all(Array.from({ length: 50 }, () => testApp.http.post('/v1/usage').send(body)));
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
      expect(responses.filter((response) => response.body.status === 'accepted')).toHaveLength(1);
      expect(responses.filter((response) => response.body.status === 'duplicate')).toHaveLength(49);
    }
    expect((await usageEventRows(testApp)).map((row) => row.idempotency_key)).toEqual(['race-0', 'race-1', 'race-2']);
  });
});
