import pg from 'pg';
import { billedCustomer, catalogueMeter, DAY, HOUR, recordUsage, runReporter, startReportingApp, stripeTotal, emulatorOf, subscribeWithPeriods, type CatalogueMeter } from './support/reporting';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import type { TestApp } from './support/test-app';

/** A transaction holding a transaction id, left open until `end()`. */
async function openWriteTransaction(databaseUrl: string): Promise<{ end(commit?: boolean): Promise<void>; client: pg.Client }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_current_xact_id()');
  return {
    client,
    end: async (commit = false) => {
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      await client.end();
    },
  };
}

/** The claim's watermark: what a running transaction may and may not hold back. */
describe('reporter watermark (e2e)', () => {
  let testApp: TestApp;
  let otherDatabase: TestDatabase;
  let calls: CatalogueMeter;
  const periodStart = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000 + 17_000);
  const periodEnd = new Date(periodStart.getTime() + 30 * DAY);

  beforeAll(async () => {
    testApp = await startReportingApp({ REPORTER_FINALIZATION_GRACE_MINUTES: '60' });
    otherDatabase = await createTestDatabase();
    calls = await catalogueMeter(testApp, 'calls');
  });
  afterAll(async () => {
    await testApp.close();
    await otherDatabase.drop();
  });

  const subscribed = async () => {
    const customer = await billedCustomer(testApp);
    await subscribeWithPeriods(testApp, customer.id, calls.id, [{ start: periodStart, end: periodEnd }]);
    return customer;
  };

  it('is not held back by a long write transaction in another database of the same server', async () => {
    const customer = await subscribed();
    const elsewhere = await openWriteTransaction(otherDatabase.url);
    try {
      await recordUsage(testApp, customer.id, 'calls', 6, new Date(Date.now() - HOUR));
      expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '1', sent: 1 });
      expect(stripeTotal(emulatorOf(testApp), customer.stripeCustomerId)).toBe(6);
    } finally {
      await elsewhere.end();
    }
  });

  it('never passes a transaction of its own database that may still write usage, and claims its events once it commits', async () => {
    const customer = await subscribed();
    const writer = await openWriteTransaction(testApp.database.url);
    try {
      await writer.client.query(
        `insert into usage_events (customer_id, meter_id, idempotency_key, value, event_time) values ($1, $2, 'in-flight', 9, now() - interval '30 minutes')`,
        [customer.id, calls.id],
      );
      await recordUsage(testApp, customer.id, 'calls', 2, new Date(Date.now() - HOUR));
      expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '0', sent: 0 });
    } finally {
      await writer.end(true);
    }
    expect(await runReporter(testApp)).toMatchObject({ claimedEvents: '2', failed: 0 });
    expect(stripeTotal(emulatorOf(testApp), customer.stripeCustomerId)).toBe(11);
  });
});
