import type { UsageEventInput } from './usage-event.parser';
import { contentDifferences, idempotencyConflict, storedContentOf, type StoredUsageContent } from './usage-idempotency';

const received: UsageEventInput = {
  customerId: null,
  externalCustomerId: 'acct_1',
  meter: 'api_calls',
  value: 5,
  eventTime: '2026-11-25T10:00:00.000Z',
  timestampGiven: true,
  properties: { region: 'eu', tags: ['a', 'b'] },
  idempotencyKey: 'k',
};
const stored: StoredUsageContent = storedContentOf(received);

describe('contentDifferences', () => {
  it('finds none for the same content, whatever the order of property keys', () => {
    expect(contentDifferences({ ...stored, properties: { tags: ['a', 'b'], region: 'eu' } }, received)).toEqual([]);
  });

  it('ignores the timestamp when the retry gives none (its receipt time is not the event time)', () => {
    expect(contentDifferences(stored, { ...received, eventTime: '2026-11-25T11:00:00.000Z', timestampGiven: false })).toEqual([]);
  });

  it('names each differing field with the received value, never the stored one', () => {
    expect(contentDifferences(stored, { ...received, meter: 'storage', value: 6, eventTime: '2026-11-25T10:00:01.000Z', properties: null })).toEqual([
      { field: 'meter', received: 'storage' },
      { field: 'value', received: '6' },
      { field: 'timestamp', received: '2026-11-25T10:00:01.000Z' },
      { field: 'properties', received: null },
    ]);
  });

  it('tells array order apart (it is content, unlike key order)', () => {
    expect(contentDifferences(stored, { ...received, properties: { region: 'eu', tags: ['b', 'a'] } }).map((difference) => difference.field)).toEqual(['properties']);
  });
});

describe('idempotencyConflict', () => {
  it('is a 409 USAGE_IDEMPOTENCY_CONFLICT naming the key and the fields', () => {
    const error = idempotencyConflict('order-7', [{ field: 'value', received: '2' }]);
    expect([error.status, error.code, error.message, error.details]).toEqual([
      409,
      'USAGE_IDEMPOTENCY_CONFLICT',
      'idempotencyKey "order-7" was already used for this customer with a different value; use a new key for a new event',
      [{ field: 'value', received: '2' }],
    ]);
  });
});
