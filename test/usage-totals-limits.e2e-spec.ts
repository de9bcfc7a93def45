import pg from 'pg';
import { MAX_WINDOW_DAYS } from '../src/usage-totals/usage-totals.service';
import { eventually } from './support/eventually';
import { startTestApp, type TestApp } from './support/test-app';
import { insertCustomerRow, insertMeterRow } from './support/billing-rows';

const DAY = 24 * 60 * 60 * 1000;

/** What a usage:read caller cannot make the totals query do: read outside what PostgreSQL stores. */
describe('GET /v1/customers/:id/usage: limits of the window (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it.each([
    ['a to past year 9999 once its offset is applied', { from: '9999-12-31T00:00:00Z', to: '9999-12-31T23:59:59-00:01' }, 'to'],
    ['a from in year 0000', { from: '0000-01-01T00:00:00Z', to: '0000-01-02T00:00:00Z' }, 'from'],
    ['a from before year 1 once its offset is applied', { from: '0001-01-01T00:00:00+01:00', to: '0001-01-02T00:00:00Z' }, 'from'],
  ])('refuses %s with a 400 naming the field, not a 500', async (_name, query, field) => {
    const customer = await insertCustomerRow(testApp);
    const response = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query(query).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'VALIDATION_FAILED', details: [{ field, problems: [expect.stringContaining('years 1–9999')] }] });
  });
});

describe('GET /v1/customers/:id/usage: the longest window (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it(`answers a window of ${MAX_WINDOW_DAYS} days and refuses a longer one with a 400 saying so`, async () => {
    const customer = await insertCustomerRow(testApp);
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = (days: number) => new Date(from + days * DAY).toISOString();
    await testApp.http.get(`/v1/customers/${customer.id}/usage`).query({ from: new Date(from).toISOString(), to: to(MAX_WINDOW_DAYS) }).expect(200);
    const refused = await testApp.http.get(`/v1/customers/${customer.id}/usage`).query({ from: new Date(from).toISOString(), to: to(MAX_WINDOW_DAYS + 1) }).expect(400);
    expect(refused.body).toEqual({ statusCode: 400, error: 'USAGE_WINDOW_TOO_LARGE', message: expect.stringContaining(`${MAX_WINDOW_DAYS} days`) });
  });
});

describe('slow usage reads cannot starve ingest or readiness (e2e)', () => {
  let testApp: TestApp;
  let locker: pg.Client;

  beforeAll(async () => {
    // a main pool of 4: before the request-reads pool, 8 slow reads took every connection
    testApp = await startTestApp({ DATABASE_POOL_MAX: '4', DATABASE_READ_POOL_MAX: '2', REQUEST_STATEMENT_TIMEOUT_MS: '3000', USAGE_GROUP_COMMIT_MAX_WAIT_MS: '0' });
    locker = new pg.Client({ connectionString: testApp.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await testApp.close();
  });

  it('keeps readiness and ingest answering while slow reads fill the read pool, and cancels those reads with a 503', async () => {
    const customer = await insertCustomerRow(testApp);
    await insertMeterRow(testApp, { key: 'api_calls' });
    // the totals query reads subscription_items, ingest and the probes never do: holding it locked makes every totals read slow
    await locker.query('begin');
    await locker.query('lock table subscription_items in access exclusive mode');
    const reads = Promise.all(Array.from({ length: 8 }, () => testApp.http.get(`/v1/customers/${customer.id}/usage`).then((response) => response)));
    let whileReadsWait: unknown;
    try {
      await eventually(async () => {
        // inside a transaction pg_stat_activity is a snapshot taken once: clear it for each look
        await locker.query('select pg_stat_clear_snapshot()');
        const [{ waiting }] = (await locker.query(`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows;
        expect(waiting).toBeGreaterThanOrEqual(2);
      });
      whileReadsWait = [
        (await testApp.anonymous.get('/health/ready')).status,
        (await testApp.http.post('/v1/usage').send({ customerId: customer.id, meter: 'api_calls', idempotencyKey: 'while-reads-wait' })).status,
      ];
    } catch (error) {
      whileReadsWait = error;
    }
    // the reads end on their own (the lock is still held): the statement timeout is what ends them
    const answers = await reads;
    await locker.query('rollback');
    expect(whileReadsWait).toEqual([200, 202]);
    // every slow read ended in time: cancelled by the statement timeout, or tired of waiting for a connection
    expect(answers.map((answer) => [answer.status, answer.body.error])).toEqual(Array.from({ length: 8 }, () => [503, 'QUERY_TIMEOUT']));
    const totals = await testApp.http.get(`/v1/customers/${customer.id}/usage`).expect(200);
    expect(totals.body.meters).toEqual([expect.objectContaining({ meter: 'api_calls', ingested: '1' })]);
  });
});
