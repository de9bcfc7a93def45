import pg from 'pg';
import { RECORD_EVENTS_SQL } from '../src/metering/usage-events.repository';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The ingest statement runs as a prepared statement, whose generic plan is kept per connection
 * until the next ANALYZE. Planned while usage_events looks empty (a new install, a truncated
 * table), a hash join would read the whole table for every group; per-event index probes do not.
 */
describe('the ingest statement plan (e2e)', () => {
  let testApp: TestApp;
  let client: pg.Client;

  beforeAll(async () => {
    testApp = await startTestApp();
    client = new pg.Client({ connectionString: testApp.database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await testApp.close();
  });

  it('probes usage_events and customers by index even with the statistics of an empty table', async () => {
    await client.query('TRUNCATE usage_events');
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE record_events(json) AS ${RECORD_EVENTS_SQL}`);
    const event = { ord: 0, customer_id: null, external_customer_id: 'nobody', meter: 'none', value: 1, event_time: new Date().toISOString(), timestamp_given: true, properties: null, idempotency_key: 'k' };
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE record_events('${JSON.stringify([event])}')`)).rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index Scan using usage_events_customer_idempotency_key/);
    expect(plan).not.toMatch(/Seq Scan on (usage_events|customers)/);
  });
});
