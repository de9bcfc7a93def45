import fc from 'fast-check';

/**
 * Adversarial JSON for the fuzz suites. Values are built as a small tree and written out by
 * `toJsonText`, not JSON.stringify, so that a body can hold what JavaScript values cannot:
 * integers beyond 2^53 written exactly, 1e400, duplicate keys, `__proto__` as a plain key.
 */

/** A JSON token written as is: numbers JavaScript cannot hold exactly, or a deliberately broken fragment. */
export class RawJson {
  constructor(readonly text: string) {}

  /** How fast-check prints it in a counterexample: as the JSON it is. */
  [fc.toStringMethod](): string {
    return this.text;
  }
}

/** An object as its list of members: keys may repeat and may be `__proto__`. */
export class JsonMembers {
  constructor(readonly members: [string, FuzzJson][]) {}

  [fc.toStringMethod](): string {
    return toJsonText(this);
  }
}

export type FuzzJson = null | boolean | number | string | RawJson | JsonMembers | FuzzJson[];

export function toJsonText(value: FuzzJson): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonMembers) return `{${value.members.map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  // NaN and ±Infinity have no JSON form; JSON.stringify would write null, which the null case covers
  return typeof value === 'number' && !Number.isFinite(value) ? 'null' : JSON.stringify(value);
}

/** A plain JavaScript value (JSON) as a FuzzJson tree, so that fields of a valid body can be mutated. */
export function fromPlain(value: unknown): FuzzJson {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (typeof value === 'object' && value !== null) return new JsonMembers(Object.entries(value).map(([key, member]) => [key, fromPlain(member)]));
  return value as FuzzJson;
}

/** Keys that reach prototypes when code copies objects carelessly. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];

/** Strings that have broken parsers, databases and loggers before. */
const NASTY_STRINGS = [
  '', ' ', '\t', 'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '1e309', 'true', '[]', '{}',
  "'; drop table customers; --", "' or '1'='1", '1; select pg_sleep(10)', '$1', '?', '%', '%s%n', '\\', '\\u0000',
  '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d\ude00', '\u202e', '\ufeff', '\u00a0', 'e\u0301', '\u{10ffff}',
  '../../etc/passwd', '<script>alert(1)</script>', '${jndi:ldap://x/a}', '{{7*7}}', '__proto__', 'constructor',
  '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'mb_aaaaaaaa', 'clock_', 'clock_\u0000',
  '2026-02-30T00:00:00Z', '2026-11-25T10:00:00', '275760-09-13T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z',
];

/** Characters that code mishandles: controls, NUL, lone surrogates, bidi overrides, combining marks. */
const nastyCharacter = fc.constantFrom('\u0000', '\u0001', '\n', '\r', '\u007f', '\ud800', '\udc00', '\u202e', '\u0301', '\ufffd', '"', "'", '\\', '/', '%', ' ');

/** One visible ASCII character. */
export const visibleAscii = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

export const adversarialString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.oneof(nastyCharacter, visibleAscii), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // around the 255/256 column limits and far beyond them
  { weight: 1, arbitrary: fc.constantFrom(255, 256, 4097, 70_000).chain((length) => fc.constantFrom('a', '\u00e9', '\ud83d\ude00').map((unit) => unit.repeat(length))) },
);

/** Numbers JSON can write but code tends to get wrong: beyond 2^53, tiny, negative zero, exponents. */
const RAW_NUMBERS = ['9007199254740993', '-9007199254740993', '123456789012345678901234567890', '1e400', '-1e400', '1e-400', '-0', '0.0', '1E+2', '1e2', '4.9e-324', '999999999999999.5', '1000000000000000'];

export const adversarialNumber: fc.Arbitrary<FuzzJson> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  // ±8.64e12: the first and last unix seconds a JavaScript Date holds
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER + 2, 1e21, Number.MAX_VALUE, Number.MIN_VALUE, 999_999_999_999_999, 1_000_000_000_000_000, 8_640_000_000_000, -8_640_000_000_000),
  fc.constantFrom(...RAW_NUMBERS).map((text) => new RawJson(text)),
);

const adversarialLeaf: fc.Arbitrary<FuzzJson> = fc.oneof(fc.constant(null), fc.boolean(), adversarialNumber, adversarialString);

const adversarialKey = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), adversarialString);

/** Any JSON value, with adversarial leaves and keys, a few levels deep. */
export const adversarialJson: fc.Arbitrary<FuzzJson> = fc.letrec<{ value: FuzzJson }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    adversarialLeaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(adversarialKey, tie('value')), { maxLength: 5 }).map((members) => new JsonMembers(members)),
  ),
})).value;

/** Arrays or objects nested far deeper than any body needs: recursion in parsers, validators and JSON.stringify. */
export const deepNesting: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(100, 5_000, 100_000), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"__proto__":', '}']))
  .map(([depth, [open, close]]) => new RawJson(`${open.repeat(depth)}1${close.repeat(depth)}`));

/** Bodies that are not JSON at all, or nearly JSON. */
export const notJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '{', '{"a":', '[1,]', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '\ufeff{}', '{}\u0000', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":01}', '"text"', '1', 'null', 'true'),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
