import fc from 'fast-check';
import { adversarialJson, adversarialString, JsonMembers, PROTOTYPE_KEYS, RawJson, type FuzzJson } from './fuzz-values';

/**
 * Usage events built from the contract (the README and the RecordUsageDto documentation), each with
 * what the contract says must become of it: valid events with at most one field changed, so that
 * "accepted" can be compared with "valid" one rule at a time. The rules are written here again on
 * purpose, from the documentation rather than from the parser, so that the two can disagree.
 */

const DAY_SECONDS = 86_400;
/** docs/stripe.md: whole units, at most 15 digits (Stripe's limit). */
const MAX_VALUE = 999_999_999_999_999;
/** RecordUsageDto: 1 to 255 characters (JSON Schema's maxLength counts characters, not UTF-16 units). */
const MAX_KEY_CHARACTERS = 255;
/** RecordUsageDto: properties at most 4096 characters of JSON. */
const MAX_PROPERTIES_JSON = 4096;
/** The documented meter key: a lowercase letter, then up to 62 lowercase letters, digits, _ or -. */
const METER_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- the contract's "without control characters"
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface IngestFixture {
  customers: { id: string; externalId: string }[];
  meters: string[];
}

export type EventFields = Record<string, FuzzJson | undefined>;

export interface UsageCase {
  /** `valid`, or the contract rule the event breaks. */
  rule: string;
  /** What POST /v1/usage must answer: 202, or the status of the broken rule. */
  status: number;
  fields: EventFields;
  /** For a valid event: the units and (when given) the instant that must be stored. */
  stored?: { value: string; eventTimeMs?: number };
}

/** An event's fields as JSON members, absent ones left out. */
export const eventJson = (fields: EventFields) =>
  new JsonMembers(Object.entries(fields).filter((entry): entry is [string, FuzzJson] => entry[1] !== undefined));

const isContractText = (text: string, maxCharacters: number) =>
  text.length > 0 && [...text].length <= maxCharacters && !CONTROL.test(text) && text.isWellFormed();

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `±HH:MM` (or `Z`) in minutes east of UTC. */
const offsetMinutes = (offset: string) => (offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))));

/** RFC 3339 at `epochMs` with the given offset and 0 to 9 fraction digits; with the instant it names, to the millisecond. */
function rfc3339(epochMs: number, offset: string, fractionDigits: number): { text: string; ms: number } {
  const local = new Date(epochMs + offsetMinutes(offset) * 60_000).toISOString();
  const fraction = `${local.slice(20, 23)}000000`.slice(0, fractionDigits);
  const kept = 10 ** Math.max(0, 3 - fractionDigits);
  return { text: `${local.slice(0, 19)}${fraction ? `.${fraction}` : ''}${offset}`, ms: Math.floor(epochMs / kept) * kept };
}

/** A timestamp `secondsFromNow` away, as RFC 3339 (some offset, some precision) or as unix seconds. */
function timestampAt(secondsFromNow: fc.Arbitrary<number>): fc.Arbitrary<{ json: FuzzJson; ms: number }> {
  const offsets = fc.constantFrom('Z', '+00:00', '+02:00', '-05:30', '+05:45', '+14:00', '-12:00');
  return fc.oneof(
    fc.tuple(secondsFromNow, offsets, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 999 })).map(([seconds, offset, digits, millis]) => {
      const { text, ms } = rfc3339((nowSeconds() + seconds) * 1000 + millis, offset, digits);
      return { json: text, ms };
    }),
    secondsFromNow.map((seconds) => nowSeconds() + seconds).map((unix) => ({ json: unix, ms: unix * 1000 })),
  );
}

// the window is 35 days back and 5 minutes ahead; a minute of margin keeps slow runs honest
const validTimestamp = timestampAt(fc.integer({ min: -34 * DAY_SECONDS, max: 4 * 60 }));

const validValue: fc.Arbitrary<{ json: FuzzJson; units: string }> = fc.oneof(
  fc.constantFrom(0, 1, MAX_VALUE).map((units) => ({ json: units, units: String(units) })),
  fc.bigInt({ min: 0n, max: BigInt(MAX_VALUE) }).map((units) => ({ json: new RawJson(String(units)), units: String(units) })),
  // JSON's other spellings of whole numbers
  fc.constantFrom(['-0', '0'], ['1.0', '1'], ['1e2', '100'], ['9.99999999999999e14', '999999999999999']).map(([text, units]) => ({ json: new RawJson(text as string), units: units as string })),
);

/** Unique per run (a UUID), in the shapes the contract allows: unicode, spaces, up to 255 characters of any width. */
const validKey: fc.Arbitrary<string> = fc.uuid().chain((id) =>
  fc.oneof(
    fc.constant(id),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((suffix) => `${id}:${suffix}`).filter((key) => isContractText(key, MAX_KEY_CHARACTERS)),
    fc.constantFrom('\u00e9', '\ud83d\ude00', ' ').map((unit) => `${id}${unit.repeat(MAX_KEY_CHARACTERS - id.length)}`),
  ),
);

const validProperties: fc.Arbitrary<FuzzJson> = fc
  .dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 10 })), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  // JSON.stringify writes NUL and unpaired surrogates as \u escapes: such properties are invalid, not these
  .filter((properties) => {
    const json = JSON.stringify(properties);
    return json.length <= MAX_PROPERTIES_JSON && !/\\u(0000|d[89a-f])/i.test(json);
  })
  // JSON.parse turns a `__proto__` key into an own property, which is what the app receives
  .map((properties) => new JsonMembers(Object.entries(properties) as [string, FuzzJson][]));

function validCase(fixture: IngestFixture): fc.Arbitrary<UsageCase> {
  const customer = fc.constantFrom(...fixture.customers).chain((known) =>
    fc.constantFrom<EventFields>({ customerId: known.id }, { customerId: known.id.toUpperCase() }, { externalCustomerId: known.externalId }),
  );
  return fc
    .record({
      customer,
      meter: fc.constantFrom(...fixture.meters),
      value: fc.option(validValue, { nil: undefined }),
      timestamp: fc.option(validTimestamp, { nil: undefined }),
      idempotencyKey: validKey,
      properties: fc.option(validProperties, { nil: undefined }),
    })
    .map(({ customer: reference, meter, value, timestamp, idempotencyKey, properties }) => ({
      rule: 'valid',
      status: 202,
      fields: { ...reference, meter, value: value?.json, timestamp: timestamp?.json, idempotencyKey, properties },
      stored: { value: value?.units ?? '1', eventTimeMs: timestamp?.ms },
    }));
}

type Change = [rule: string, status: number, fields: EventFields];

const nonString = adversarialJson.filter((value) => typeof value !== 'string' && value !== null);

/** Every way one field (or the set of fields) can break the contract, each with the status the contract gives it. */
function breakingChanges(base: UsageCase, fixture: IngestFixture): fc.Arbitrary<Change> {
  const [known] = fixture.customers as [IngestFixture['customers'][number]];
  const withoutCustomer = { ...base.fields, customerId: undefined, externalCustomerId: undefined };
  const meterStatus = (key: string) => (METER_KEY.test(key) ? (fixture.meters.includes(key) ? 202 : 422) : 400);
  const change = (rule: string, status: number, arbitrary: fc.Arbitrary<EventFields>) => arbitrary.map((fields): Change => [rule, status, fields]);
  return fc.oneof(
    change('both customerId and externalCustomerId', 400, fc.constant({ ...base.fields, customerId: known.id, externalCustomerId: known.externalId })),
    change('no customer', 400, fc.constant(withoutCustomer)),
    change('customerId not a UUID', 400, fc.oneof(adversarialString.filter((text) => !UUID.test(text)), nonString).map((customerId) => ({ ...withoutCustomer, customerId }))),
    change('unknown customerId', 404, fc.uuid().map((customerId) => ({ ...withoutCustomer, customerId }))),
    change('unknown externalCustomerId', 404, fc.uuid().map((id) => ({ ...withoutCustomer, externalCustomerId: `nobody ${id}` }))),
    change('externalCustomerId not 1 to 255 characters of text', 400, fc.oneof(fc.constantFrom('', 'x'.repeat(256), 'a\u0001b', 'a\nb', '\ud800'), nonString).map((externalCustomerId) => ({ ...withoutCustomer, externalCustomerId }))),
    fc.oneof(adversarialString, fc.constantFrom('API_CALLS', '1meter', 'a'.repeat(64), 'zz_unknown', ' api_calls')).map((meter): Change => ['meter key', meterStatus(meter), { ...base.fields, meter }]),
    change('meter missing or not a string', 400, fc.option(nonString, { nil: undefined }).map((meter) => ({ ...base.fields, meter }))),
    change('value not a whole number from 0 to 15 digits', 400, fc.constantFrom<FuzzJson>(-1, 1.5, 0.1, MAX_VALUE + 1, 2 ** 53, new RawJson('9007199254740993'), new RawJson('1e21'), new RawJson('1e400'), '5', true, [], new JsonMembers([])).map((value) => ({ ...base.fields, value }))),
    change('timestamp older than 35 days', 422, timestampAt(fc.integer({ min: 36 * DAY_SECONDS, max: 3000 * DAY_SECONDS }).map((age) => -age)).map(({ json }) => ({ ...base.fields, timestamp: json }))),
    change('timestamp more than 5 minutes ahead', 422, timestampAt(fc.integer({ min: 6 * 60, max: 3000 * DAY_SECONDS })).map(({ json }) => ({ ...base.fields, timestamp: json }))),
    change('timestamp not RFC 3339 with an offset or whole unix seconds', 400, fc.constantFrom<FuzzJson>('2026-11-25T10:00:00', '2026-11-25', 'yesterday', '', '2026-02-30T00:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T23:59:60Z', Date.now(), String(nowSeconds()), nowSeconds() + 0.5, -1, true, [], new RawJson('1e400')).map((timestamp) => ({ ...base.fields, timestamp }))),
    change('idempotencyKey not 1 to 255 characters of text', 400, fc.oneof(fc.constantFrom<FuzzJson | undefined>(undefined, null, '', 'k'.repeat(256), '\ud83d\ude00'.repeat(256), 'a\u0000b', 'a\u0001', 'tab\t', 'x\udc00'), nonString).map((idempotencyKey) => ({ ...base.fields, idempotencyKey }))),
    change('properties not a JSON object', 400, fc.constantFrom<FuzzJson>([], 'text', 1, true, [new JsonMembers([])]).map((properties) => ({ ...base.fields, properties }))),
    change('properties longer than 4096 characters of JSON', 400, fc.constant({ ...base.fields, properties: new JsonMembers([['a', 'x'.repeat(MAX_PROPERTIES_JSON - 7)]]) })),
    change('properties holding NUL or an unpaired surrogate', 400, fc.constantFrom('\u0000', 'a\ud800').map((text) => ({ ...base.fields, properties: new JsonMembers([['note', text]]) }))),
    change('an unknown field', 400, fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS, 'customer_id', 'Meter', 'extra'), adversarialJson).map(([name, value]) => ({ ...base.fields, [name]: value }))),
  );
}

/** Changes that keep an event valid: optional fields sent as null mean absent, and the longest properties allowed. */
function keepingChanges(base: UsageCase): fc.Arbitrary<UsageCase> {
  const other = base.fields.customerId === undefined ? 'customerId' : 'externalCustomerId';
  return fc.constantFrom<[string, EventFields, Partial<UsageCase['stored']>]>(
    ['the other customer reference as null', { [other]: null }, {}],
    ['value null (1)', { value: null }, { value: '1' }],
    ['timestamp null (now)', { timestamp: null }, { eventTimeMs: undefined }],
    ['properties null', { properties: null }, {}],
    ['properties exactly 4096 characters of JSON', { properties: new JsonMembers([['a', 'x'.repeat(MAX_PROPERTIES_JSON - 8)]]) }, {}],
  ).map(([rule, fields, stored]) => ({ ...base, rule: `valid: ${rule}`, fields: { ...base.fields, ...fields }, stored: { ...(base.stored as UsageCase['stored'] & object), ...stored } }));
}

/** A valid event, or that event with one rule broken (most runs), or changed in a way the contract allows. */
export function usageCase(fixture: IngestFixture): fc.Arbitrary<UsageCase> {
  return validCase(fixture).chain((base) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(base) },
      { weight: 1, arbitrary: keepingChanges(base) },
      { weight: 6, arbitrary: breakingChanges(base, fixture).map(([rule, status, fields]): UsageCase => (status === 202 ? { ...base, fields } : { rule, status, fields })) },
    ),
  );
}
