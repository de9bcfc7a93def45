import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_TABLES, errorCodes, type ErrorCode } from './error-codes';

const SRC = join(__dirname, '..', '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'emulator' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every code defined in more than one table, or with more than one status. */
function conflicts(tables: Map<string, Record<string, ErrorCode>>): string[] {
  const owners = new Map<string, { module: string; status: number }[]>();
  for (const [module, table] of tables) {
    for (const { code, status } of Object.values(table)) owners.set(code, [...(owners.get(code) ?? []), { module, status }]);
  }
  return [...owners].filter(([, defined]) => defined.length > 1).map(([code, defined]) => `${code}: ${defined.map(({ module, status }) => `${status} in ${module}`).join(', ')}`);
}

/** Every `new DomainError(` whose code is not taken from a table, or from a table that lacks it. */
function throwsOutsideTheirTable(tablesByExport: Map<string, Record<string, ErrorCode>>, sources = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, 'utf8') }))): string[] {
  return sources.flatMap(({ file, text }) => {
    return [...text.matchAll(/new DomainError\(\s*([^,]*),/g)].flatMap(([, argument]) => {
      const [, table, code] = /^([A-Za-z]+)\.([A-Z_]+)$/.exec(argument.trim()) ?? [];
      return table && code && tablesByExport.get(table)?.[code] ? [] : [`${relative(SRC, file)}: new DomainError(${argument.trim()}, …)`];
    });
  });
}

describe('error codes', () => {
  const errorFiles = sourceFiles(SRC).filter((file) => file.endsWith('.errors.ts'));
  const tablesByExport = new Map<string, Record<string, ErrorCode>>();
  beforeAll(() => {
    for (const file of errorFiles) {
      for (const [name, value] of Object.entries(jest.requireActual<Record<string, unknown>>(file))) {
        if ([...ERROR_TABLES.values()].includes(value as never)) tablesByExport.set(name, value as Record<string, ErrorCode>);
      }
    }
  });

  it('gives every module its own table, and every code one status in one table', () => {
    expect([...ERROR_TABLES.keys()].sort()).toEqual(
      expect.arrayContaining(['auth', 'common', 'corrections', 'customers', 'health', 'invoice-verification', 'metering', 'notifications', 'reporting', 'stripe', 'subscriptions', 'usage-totals', 'webhooks']),
    );
    expect(conflicts(ERROR_TABLES)).toEqual([]);
  });

  it('finds a code defined twice or with two statuses', () => {
    const tables = new Map<string, Record<string, ErrorCode>>([
      ['one', { A: { code: 'A', status: 404 }, B: { code: 'B', status: 409 } }],
      ['two', { A: { code: 'A', status: 422 } }],
    ]);
    expect(conflicts(tables)).toEqual(['A: 404 in one, 422 in two']);
  });

  it('throws every DomainError with a code of a table, so it carries that table status', () => {
    expect(tablesByExport.size).toBe(ERROR_TABLES.size);
    expect(throwsOutsideTheirTable(tablesByExport)).toEqual([]);
  });

  it('finds a throw with a status of its own, or with a code its table lacks', () => {
    const tables = new Map([['FakeErrors', errorCodes('fake', { KNOWN: 404 })]]);
    ERROR_TABLES.delete('fake');
    const text = "throw new DomainError(FakeErrors.KNOWN, 'a');\nthrow new DomainError(FakeErrors.OTHER, 'b');\nthrow new DomainError(422, 'KNOWN', 'c');";
    expect(throwsOutsideTheirTable(tables, [{ file: join(SRC, 'fake.ts'), text }])).toEqual(['fake.ts: new DomainError(FakeErrors.OTHER, …)', "fake.ts: new DomainError(422, …)"]);
  });

  it('builds every hand-made error body from a table too', () => {
    const literalCodes = sourceFiles(SRC).flatMap((file) => (/\berror: '[A-Z_]+'/.test(readFileSync(file, 'utf8')) ? [relative(SRC, file)] : []));
    expect(literalCodes).toEqual([]);
  });
});
