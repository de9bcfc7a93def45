import { DomainError } from '../common/errors/domain-error.js';
import type { UsageEventInput } from './usage-event.parser.js';
import { MeteringErrors } from './metering.errors.js';

/** What a stored event (or the first copy of a key within one batch) holds, for comparing a retry with it. */
export interface StoredUsageContent {
  meter: string;
  /** Decimal string: bigint in PostgreSQL. */
  value: string;
  /** ISO-8601 UTC with milliseconds. */
  timestamp: string;
  properties: Record<string, unknown> | null;
}

/**
 * A field in which a retry differs, with the caller's own value only: the stored one may have been
 * written by another service holding another key (a shared idempotency key space per customer),
 * and a `usage:write` key must not read events back through conflicts.
 */
export interface ContentDifference {
  field: 'meter' | 'value' | 'timestamp' | 'properties';
  received: unknown;
}

/** JSON with object keys sorted, so that {a, b} and {b, a} compare equal, as jsonb does. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function storedContentOf(event: UsageEventInput): StoredUsageContent {
  return { meter: event.meter, value: String(event.value), timestamp: event.eventTime, properties: event.properties };
}

/**
 * The fields in which a repeated idempotency key differs from what was stored. The timestamp counts
 * only when the caller gave one: a retry without a timestamp is the same event even though its
 * receipt time differs, and one that repeats the original timestamp is too.
 */
export function contentDifferences(stored: StoredUsageContent, received: UsageEventInput): ContentDifference[] {
  const differences: ContentDifference[] = [];
  if (stored.meter !== received.meter) differences.push({ field: 'meter', received: received.meter });
  if (stored.value !== String(received.value)) differences.push({ field: 'value', received: String(received.value) });
  if (received.timestampGiven && stored.timestamp !== received.eventTime) {
    differences.push({ field: 'timestamp', received: received.eventTime });
  }
  if (canonicalJson(stored.properties) !== canonicalJson(received.properties)) {
    differences.push({ field: 'properties', received: received.properties });
  }
  return differences;
}

export function idempotencyConflict(idempotencyKey: string, differences: ContentDifference[]): DomainError {
  const fields = differences.map((difference) => difference.field).join(', ');
  return new DomainError(
    MeteringErrors.USAGE_IDEMPOTENCY_CONFLICT,
    `idempotencyKey ${JSON.stringify(idempotencyKey)} was already used for this customer with a different ${fields}; use a new key for a new event`,
    differences,
  );
}
