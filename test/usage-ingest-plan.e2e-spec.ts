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

  it('probes for an earlier copy only of the keys it did not insert', async () => {
    const customer = await client.query<{ id: string }>(`INSERT INTO customers (external_id, email) VALUES ('plan-probe', 'plan-probe@example.com') RETURNING id`);
    await client.query(`INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('plan_probe', 'Plan probe', 'sum', 'mb_plan_probe', 1, 'usd')`);
    const event = { ord: 0, customer_id: customer.rows[0]!.id, external_customer_id: null, meter: 'plan_probe', value: 1, event_time: new Date().toISOString(), timestamp_given: true, properties: null, idempotency_key: 'probe-1' };
    const executed = async () => {
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${RECORD_EVENTS_SQL.replace('$1::json', `'${JSON.stringify([event])}'::json`)}`);
      return plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    const storedProbe = /Index Scan using usage_events_customer_idempotency_key on usage_events e \((never executed|actual rows=(\d+))/;
    // inserted now: it cannot have been stored before, so the probe does not run
    expect((await executed()).match(storedProbe)?.[1]).toBe('never executed');
    // a retry: the probe finds the stored copy
    expect((await executed()).match(storedProbe)?.[2]).toBe('1');
  });
});
