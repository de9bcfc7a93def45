import { DomainError, type ErrorDetail } from '../common/errors/domain-error.js';
import { isStorableJson } from '../common/http/storable-text.js';
import { METER_KEY_PATTERN } from './create-meter.dto.js';
import { eventTimeOutOfRange, INSTANT_FORMAT_PROBLEM, parseInstant } from './usage-timestamp.js';
import { CommonErrors } from '../common/errors/common.errors.js';
import { MeteringErrors } from './metering.errors.js';

/**
 * Validation of usage events, written by hand rather than with class-validator: the same code
 * checks the single route's body and each element of a 1000-event batch, where class-validator's
 * ~30 µs per object would cost more than the database insert itself. The DTO classes in
 * record-usage.dto.ts / usage-batch.dto.ts document this contract for OpenAPI.
 */

export const MAX_BATCH_EVENTS = 1000;
/** Stripe accepts at most 15 significant digits in a meter event value. */
export const MAX_EVENT_VALUE = 999_999_999_999_999;
export const MAX_PROPERTIES_JSON_LENGTH = 4096;
export const USAGE_EVENT_FIELDS = ['customerId', 'externalCustomerId', 'meter', 'value', 'timestamp', 'idempotencyKey', 'properties'] as const;

/** A validated event, normalised so that retries compare equal whatever form they were sent in. */
export interface UsageEventInput {
  customerId: string | null;
  externalCustomerId: string | null;
  meter: string;
  value: number;
  /** ISO-8601 UTC with milliseconds; the receipt time when the caller gave none. */
  eventTime: string;
  timestampGiven: boolean;
  properties: Record<string, unknown> | null;
  idempotencyKey: string;
}

export type ParsedUsageEvent = { ok: true; event: UsageEventInput } | { ok: false; error: DomainError };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- PostgreSQL text cannot hold NUL, and control characters in a key are a bug
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;

export function validationFailed(message: string, details: ErrorDetail[]): DomainError {
  return new DomainError(CommonErrors.VALIDATION_FAILED, message, details);
}

/**
 * Well-formed too: an unpaired surrogate has no UTF-8 form, so the text PostgreSQL stored would differ from
 * the text sent (and a retry would no longer match it).
 * Characters are counted as the contract (JSON Schema's maxLength) and the customers DTO count them,
 * by code point: an emoji is one character, not two UTF-16 units. Spreading is only needed past the limit.
 */
export function text(value: unknown, maxLength: number): string | undefined {
  const fits = typeof value === 'string' && value.length >= 1 && (value.length <= maxLength || [...value].length <= maxLength);
  return fits && !CONTROL_CHARACTERS.test(value) && value.isWellFormed() ? value : undefined;
}

function parseProperties(value: unknown, problems: ErrorDetail[]): Record<string, unknown> | null {
  if (isAbsent(value)) return null;
  if (!isPlainObject(value)) {
    problems.push({ field: 'properties', problems: ['properties must be a JSON object'] });
    return null;
  }
  const json = JSON.stringify(value);
  if (json.length > MAX_PROPERTIES_JSON_LENGTH) {
    problems.push({ field: 'properties', problems: [`properties must be at most ${MAX_PROPERTIES_JSON_LENGTH} characters of JSON`] });
  } else if (!isStorableJson(json)) {
    problems.push({ field: 'properties', problems: ['properties must not contain NUL characters or unpaired UTF-16 surrogates'] });
  }
  // an empty object says nothing more than no properties; normalising keeps retries comparable
  return Object.keys(value).length === 0 ? null : value;
}

export function parseCustomer(body: Record<string, unknown>, problems: ErrorDetail[]): Pick<UsageEventInput, 'customerId' | 'externalCustomerId'> {
  const { customerId, externalCustomerId } = body;
  if (isAbsent(customerId) === isAbsent(externalCustomerId)) {
    problems.push({ field: 'customerId', problems: ['give exactly one of customerId (the service id) or externalCustomerId'] });
  }
  if (!isAbsent(customerId) && !(typeof customerId === 'string' && UUID.test(customerId))) {
    problems.push({ field: 'customerId', problems: ['customerId must be a UUID'] });
  }
  if (!isAbsent(externalCustomerId) && text(externalCustomerId, 255) === undefined) {
    problems.push({ field: 'externalCustomerId', problems: ['externalCustomerId must be a string of 1 to 255 characters without control characters or unpaired surrogates'] });
  }
  return {
    customerId: typeof customerId === 'string' ? customerId.toLowerCase() : null,
    externalCustomerId: typeof externalCustomerId === 'string' ? externalCustomerId : null,
  };
}

function parseValue(value: unknown, problems: ErrorDetail[]): number {
  if (isAbsent(value)) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_EVENT_VALUE) {
    problems.push({ field: 'value', problems: [`value must be a whole number from 0 to ${MAX_EVENT_VALUE} (at most 15 digits)`] });
  }
  return value as number;
}

/**
 * Parses one event received at `receivedAt`; never throws, so one bad event of a batch stays one
 * result. An event timed before `retentionHorizon` may have been rolled up and deleted, its key
 * with it (docs/retention.md): it is refused as expired, never accepted as new.
 */
export function parseUsageEvent(body: unknown, receivedAt: number, retentionHorizon = Number.NEGATIVE_INFINITY): ParsedUsageEvent {
  if (!isPlainObject(body)) return { ok: false, error: validationFailed('A usage event must be a JSON object', []) };
  const problems: ErrorDetail[] = Object.keys(body)
    .filter((field) => !(USAGE_EVENT_FIELDS as readonly string[]).includes(field))
    .map((field) => ({ field, problems: [`property ${field} should not exist`] }));
  const customer = parseCustomer(body, problems);
  if (!(typeof body.meter === 'string' && METER_KEY_PATTERN.test(body.meter))) {
    problems.push({ field: 'meter', problems: ['meter must be a meter key (a lowercase letter, then up to 62 lowercase letters, digits, _ or -)'] });
  }
  const value = parseValue(body.value, problems);
  const eventTime = isAbsent(body.timestamp) ? receivedAt : parseInstant(body.timestamp);
  if (eventTime === undefined) problems.push({ field: 'timestamp', problems: [`timestamp ${INSTANT_FORMAT_PROBLEM}`] });
  const idempotencyKey = text(body.idempotencyKey, 255);
  if (idempotencyKey === undefined) {
    problems.push({ field: 'idempotencyKey', problems: ['idempotencyKey must be a string of 1 to 255 characters without control characters or unpaired surrogates'] });
  }
  const properties = parseProperties(body.properties, problems);
  if (problems.length > 0 || eventTime === undefined) return { ok: false, error: validationFailed('The usage event is invalid', problems) };

  if (eventTime < retentionHorizon) return { ok: false, error: usageEventExpired(eventTime, retentionHorizon) };
  const outOfRange = eventTimeOutOfRange(eventTime, receivedAt);
  if (outOfRange) return { ok: false, error: new DomainError(MeteringErrors.USAGE_TIMESTAMP_OUT_OF_RANGE, outOfRange, [{ field: 'timestamp', problems: [outOfRange] }]) };
  return {
    ok: true,
    event: {
      ...customer,
      meter: body.meter as string,
      value,
      eventTime: new Date(eventTime).toISOString(),
      timestampGiven: !isAbsent(body.timestamp),
      properties,
      idempotencyKey: idempotencyKey as string,
    },
  };
}

function usageEventExpired(eventTime: number, retentionHorizon: number): DomainError {
  const problem = `timestamp ${new Date(eventTime).toISOString()} is before the retention horizon ${new Date(retentionHorizon).toISOString()}: usage this old is rolled up and its idempotency keys are gone, so a retry cannot be told from a new event`;
  return new DomainError(MeteringErrors.USAGE_EVENT_EXPIRED, problem, [{ field: 'timestamp', problems: [problem] }]);
}

/**
 * The batch envelope: `{events: [...]}` with 1 to 1000 elements. Elements are parsed one by one
 * afterwards; here only what makes the whole request unusable is refused.
 */
export function parseUsageBatch(body: unknown): unknown[] {
  if (!isPlainObject(body)) throw validationFailed('The request body must be a JSON object', []);
  const unknownFields = Object.keys(body).filter((field) => field !== 'events');
  if (unknownFields.length > 0) {
    throw validationFailed('The request is invalid', unknownFields.map((field) => ({ field, problems: [`property ${field} should not exist`] })));
  }
  const { events } = body;
  if (!Array.isArray(events) || events.length === 0) {
    throw validationFailed('The request is invalid', [{ field: 'events', problems: ['events must be a non-empty array of usage events'] }]);
  }
  if (events.length > MAX_BATCH_EVENTS) {
    throw new DomainError(MeteringErrors.USAGE_BATCH_TOO_LARGE, `A batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${events.length}. Split it into several requests.`);
  }
  return events;
}
