import { insertCustomerRow } from './support/billing-rows';
import { LIST_ROUTES, seedEveryList } from './support/list-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

type Row = Record<string, unknown>;
const idOf = (row: Row) => row.id ?? row.stripeInvoiceId;

/**
 * Every list route reads the request-reads pool (docs/read-routing.md). DATABASE_READ_URL names
 * another database here, one that holds rows the primary does not: a list answering them was read
 * there. One item by id stays on the primary (a client reads it right after writing it).
 */
describe('list routes on DATABASE_READ_URL (e2e)', () => {
  /** The app on the database DATABASE_READ_URL names: it migrated and seeded it, and lists it as the truth to compare with. */
  let readSide: TestApp;
  let testApp: TestApp;

  beforeAll(async () => {
    readSide = await startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', RETENTION_ENABLED: 'false' });
    await seedEveryList(readSide);
    testApp = await startTestApp({ DATABASE_READ_URL: readSide.database.url, REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', RETENTION_ENABLED: 'false' });
  });
  afterAll(async () => {
    await testApp.close();
    await readSide.close();
  });

  it.each(LIST_ROUTES)('%s lists the rows of the read side, none of the primary, with the asOf of that read', async (path) => {
    const before = Date.now();
    const body = (await testApp.http.get(path).expect(200)).body as { data: Row[]; asOf: string };
    const expected = (await readSide.http.get(path).expect(200)).body as { data: Row[] };
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data.map(idOf)).toEqual(expected.data.map(idOf));
    expect(Date.parse(body.asOf)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('documents 503 QUERY_TIMEOUT on every list, the answer of a read the pool could not serve in time', async () => {
    const document = (await testApp.http.get('/docs-json').expect(200)).body;
    for (const path of LIST_ROUTES) expect(document.paths[path].get.responses['503'].content['application/json'].schema.allOf[1].properties.error.enum).toContain('QUERY_TIMEOUT');
  });

  it('the primary holds none of those rows (but its own bootstrap key, which the key list does not show)', async () => {
    const [counts] = await testApp.sql<Record<string, string>>(
      `select (select count(*) from meters) + (select count(*) from customers) + (select count(*) from webhook_events) + (select count(*) from invoice_verifications)
            + (select count(*) from notification_endpoints) + (select count(*) from notification_deliveries) + (select count(*) from usage_alerts) as rows,
              (select prefix from api_keys) as key`,
    );
    expect(Number(counts!.rows)).toBe(0);
    const keys = (await testApp.http.get('/v1/api-keys').query({ limit: 500 }).expect(200)).body.data as Row[];
    expect(keys.map((key) => key.prefix)).not.toContain(counts!.key);
  });

  it('reads one customer and one invoice verification by id on the primary: the read side does not have them', async () => {
    const customer = await insertCustomerRow(testApp, { externalId: 'primary_only' });
    expect((await testApp.http.get(`/v1/customers/${customer.id}`).expect(200)).body.externalId).toBe('primary_only');
    await testApp.sql(
      `insert into invoice_verifications (stripe_invoice_id, stripe_subscription_id, period_start, period_end, state) values ('in_primary_only', 'sub_x', now() - interval '1 month', now(), 'held')`,
    );
    expect((await testApp.http.get('/v1/invoices/in_primary_only/verification').expect(200)).body.state).toBe('held');
    // while the lists, read on the other database, do not show them
    expect(((await testApp.http.get('/v1/customers').query({ externalId: 'primary_only' }).expect(200)).body.data as Row[]).length).toBe(0);
  });
});
