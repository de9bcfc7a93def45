import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody, UnparsedBody } from './json-body';

const nested = (depth: number, open: (inner: unknown) => unknown) => {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = open(value);
  return value;
};

describe('nestsDeeperThan', () => {
  it('counts arrays and objects alike, a scalar as no level', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: [1] }, 1)).toBe(true);
    expect(nestsDeeperThan([[], { b: { c: null } }], 3)).toBe(false);
    expect(nestsDeeperThan([[], { b: { c: {} } }], 3)).toBe(true);
  });

  it('accepts exactly MAX_JSON_DEPTH levels and refuses one more', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH, (inner) => ({ a: inner })), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1, (inner) => ({ a: inner })), MAX_JSON_DEPTH)).toBe(true);
  });

  it('answers for a body nested 100 000 levels deep without overflowing the stack itself', () => {
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), MAX_JSON_DEPTH)).toBe(true);
    // JSON.parse makes `__proto__` an own key, which counts like any other
    expect(nestsDeeperThan(JSON.parse(`${'{"__proto__":'.repeat(100_000)}1${'}'.repeat(100_000)}`), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('parseJsonBody', () => {
  const parse = (text: string, headers: Record<string, string> = {}) =>
    new Promise<{ error: unknown; body: unknown }>((resolve) =>
      // a body that cannot be read is handed on as UnparsedBody, thrown after authentication
      parseJsonBody(1024)({ headers } as never, Buffer.from(text), (error, body) => resolve(body instanceof UnparsedBody ? { error: body.error, body: undefined } : { error, body })),
    );

  it('takes objects and arrays, reads an empty body as {}', async () => {
    expect(await parse('{"a":1}')).toEqual({ error: null, body: { a: 1 } });
    expect(await parse('[1]')).toEqual({ error: null, body: [1] });
    expect(await parse('')).toEqual({ error: null, body: {} });
  });

  it('refuses a bare scalar or null as malformed JSON, like Express did', async () => {
    for (const text of ['null', '1', '"text"', 'true']) {
      expect({ text, code: ((await parse(text)).error as { code?: string }).code }).toEqual({ text, code: 'MALFORMED_JSON' });
    }
  });
});
