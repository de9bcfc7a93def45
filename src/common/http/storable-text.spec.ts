import { isStorableJson, isStorableText, unstorableTextFields } from './storable-text';

describe('storable text', () => {
  it('refuses NUL and unpaired surrogates, and nothing else', () => {
    for (const text of ['', 'plain', 'é', '\ud83d\ude00', '\u0001\n\t', '\ufffd']) expect(isStorableText(text)).toBe(true);
    for (const text of ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ude00\ud83d']) expect(isStorableText(text)).toBe(false);
  });

  it('names every field holding such a string, nested ones by their path', () => {
    expect(unstorableTextFields({ name: 'ok', externalId: 'a\u0000', meters: ['fine', '\ud800'], nested: { deep: ['\u0000'] } }, '')).toEqual([
      'externalId',
      'meters.1',
      'nested.deep.0',
    ]);
    expect(unstorableTextFields('\u0000', 'reference')).toEqual(['reference']);
    expect(unstorableTextFields(42, 'limit')).toEqual([]);
  });

  it('refuses JSON text that jsonb cannot hold: a \\u0000 or unpaired-surrogate escape, not an escaped backslash before a u', () => {
    expect(isStorableJson(JSON.stringify({ a: '\u0000' }))).toBe(false);
    expect(isStorableJson(JSON.stringify({ a: 'x\udc00' }))).toBe(false);
    expect(isStorableJson(JSON.stringify({ '\u0000': 1 }))).toBe(false);
    expect(isStorableJson(JSON.stringify({ a: '\\u0000', b: '\ud83d\ude00' }))).toBe(true);
  });
});
