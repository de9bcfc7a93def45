import { LIST_ROUTES, seedEveryList } from './support/list-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

describe('cursor pagination of every list route (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
    await seedEveryList(testApp);
  });
  afterAll(() => testApp.close());

  /** Every page of `path`, following nextCursor, with `limit` rows a page. */
  async function allPages(path: string, query: Record<string, string | number> = {}): Promise<Array<Array<Record<string, unknown>>>> {
    const pages: Array<Array<Record<string, unknown>>> = [];
    let cursor: string | null = null;
    do {
      const body = (await testApp.http.get(path).query({ ...query, ...(cursor ? { cursor } : {}) }).expect(200)).body as { data: Array<Record<string, unknown>>; nextCursor: string | null };
      expect(Object.keys(body).sort()).toEqual(['asOf', 'data', 'nextCursor']);
      pages.push(body.data);
      cursor = body.nextCursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  it('answers at most 50 rows without a limit, where GET /v1/api-keys returned every key', async () => {
    const first = await testApp.http.get('/v1/api-keys').expect(200);
    expect(first.body.data).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const pages = await allPages('/v1/api-keys');
    expect(pages.map((page) => page.length)).toEqual([50, 50, 6]);
  });

  it.each([
    ['/v1/api-keys', 'prefix', 40],
    ['/v1/meters', 'key', 2],
    ['/v1/customers', 'externalId', 2],
    ['/v1/webhooks/events', 'id', 2],
    ['/v1/invoices/verifications', 'stripeInvoiceId', 2],
    ['/v1/notification-endpoints', 'id', 2],
    ['/v1/notifications', 'id', 2],
    ['/v1/usage-alerts', 'id', 2],
  ])('pages %s in a stable order: every row once, none skipped or repeated', async (path, field, limit) => {
    const everything = (await testApp.http.get(path).query({ limit: 500 }).expect(200)).body;
    expect(everything.nextCursor).toBeNull();
    const pages = await allPages(path, { limit });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
    expect(pages.flat().map((row) => row[field])).toEqual(everything.data.map((row: Record<string, unknown>) => row[field]));
    expect(new Set(pages.flat().map((row) => row[field])).size).toBe(everything.data.length);
  });

  it('pages invoice verifications of one state, and ends on a full last page without a further cursor', async () => {
    const pages = await allPages('/v1/invoices/verifications', { state: 'held', limit: 3 });
    expect(pages.map((page) => page.map((row) => row.stripeInvoiceId))).toEqual([['in_6', 'in_4', 'in_2']]);
    const sixOfSix = await testApp.http.get('/v1/invoices/verifications').query({ limit: 6 }).expect(200);
    expect(sixOfSix.body).toMatchObject({ data: expect.arrayContaining([expect.objectContaining({ stripeInvoiceId: 'in_1' })]), nextCursor: null });
    // a cursor of the right shape whose key is not a row id
    const foreign = await testApp.http.get('/v1/invoices/verifications').query({ cursor: Buffer.from('{"after":"in_3"}').toString('base64url') }).expect(400);
    expect(foreign.body).toMatchObject({ error: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
  });

  it('still finds one customer by externalId', async () => {
    const response = await testApp.http.get('/v1/customers').query({ externalId: 'acct_3' }).expect(200);
    expect(response.body).toEqual({ data: [expect.objectContaining({ externalId: 'acct_3' })], nextCursor: null, asOf: expect.any(String) });
  });

  it.each(LIST_ROUTES)('refuses a page larger than 500 rows and a cursor it did not issue on %s', async (path) => {
    for (const query of [{ limit: 501 }, { limit: 0 }, { cursor: 'not-a-cursor' }, { cursor: Buffer.from('{"after":1}').toString('base64url') }]) {
      const response = await testApp.http.get(path).query(query).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', details: [{ field: Object.keys(query)[0] }] });
    }
  });

  it.each(['/v1/notification-endpoints', '/v1/notifications', '/v1/usage-alerts'])('refuses a cursor whose sort key is not of the form %s issues', async (path) => {
    const response = await testApp.http.get(path).query({ cursor: Buffer.from('{"after":"1; drop table x"}').toString('base64url') }).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
  });

  it('documents limit, cursor and the { data, nextCursor, asOf } page in the OpenAPI document', async () => {
    const document = (await testApp.http.get('/docs-json').expect(200)).body;
    for (const path of LIST_ROUTES) {
      const operation = document.paths[path].get;
      expect(operation.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'limit', in: 'query', schema: expect.objectContaining({ maximum: 500, default: 50 }) }),
          expect.objectContaining({ name: 'cursor', in: 'query' }),
        ]),
      );
      const schemaName = operation.responses['200'].content['application/json'].schema.$ref.split('/').pop();
      expect(Object.keys(document.components.schemas[schemaName].properties).sort()).toEqual(['asOf', 'data', 'nextCursor']);
    }
  });
});
