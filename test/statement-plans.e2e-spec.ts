import pg from 'pg';
import type { UsageEventInput } from '../src/metering/usage-event.parser';
import { RECORD_EVENTS_SQL, recordEventsParameters } from '../src/metering/usage-events.repository';
import { PENDING_PAGE_SQL } from '../src/reporting/usage-reports.repository';
import { startTestApp, type TestApp } from './support/test-app';

const REPORTS = 50_000;
const PAGE = 1_000;

/** The plans of the hot statements, checked with EXPLAIN on a real database (docs/performance.md). */
describe('statement plans (e2e)', () => {
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

  /**
   * The ingest statement runs as a prepared statement, whose generic plan is kept per connection
   * until the next ANALYZE. Planned while usage_events looks empty (a new install, a truncated
   * table), a hash join would read the whole table for every group; per-event index probes do not.
   */
  describe('the ingest statement', () => {
    it('probes usage_events and customers by index even with the statistics of an empty table', async () => {
      await client.query('TRUNCATE usage_events');
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE record_events AS ${RECORD_EVENTS_SQL}`);
      // one event of an unknown customer (EXPLAIN EXECUTE takes literals, not bind parameters)
      const event = `ARRAY[NULL]::uuid[], ARRAY['nobody'], ARRAY['none'], ARRAY[1], ARRAY[now()], ARRAY[true], ARRAY[NULL]::jsonb[], ARRAY['k']`;
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE record_events(${event})`)).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan using usage_events_customer_idempotency_key/);
      expect(plan).not.toMatch(/Seq Scan on (usage_events|customers)/);
    });

    it('probes for an earlier copy only of the keys it did not insert', async () => {
      const customer = await client.query<{ id: string }>(`INSERT INTO customers (external_id, email) VALUES ('plan-probe', 'plan-probe@example.com') RETURNING id`);
      await client.query(`INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('plan_probe', 'Plan probe', 'sum', 'mb_plan_probe', 1, 'usd')`);
      const event: UsageEventInput = { customerId: customer.rows[0]!.id, externalCustomerId: null, meter: 'plan_probe', value: 1, eventTime: new Date().toISOString(), timestampGiven: true, properties: null, idempotencyKey: 'probe-1' };
      const executed = async () => {
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${RECORD_EVENTS_SQL}`, recordEventsParameters([event]));
        return plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      };
      const storedProbe = /Index Scan using usage_events_customer_idempotency_key on usage_events e \((never executed|actual rows=(\d+))/;
      // inserted now: it cannot have been stored before, so the probe does not run
      expect((await executed()).match(storedProbe)?.[1]).toBe('never executed');
      // a retry: the probe finds the stored copy
      expect((await executed()).match(storedProbe)?.[2]).toBe('1');
    });
  });

  /**
   * A drain reads pending reports page after page, keyset on id. Each page must read about a page of
   * usage_reports wherever the cursor is: a plan that reads the table from its start on every page
   * makes a drain quadratic in its backlog.
   */
  describe('the pending page read', () => {
    beforeAll(async () => {
      await client.query('RESET plan_cache_mode');
      const customer = await client.query<{ id: string }>(`INSERT INTO customers (external_id, email, stripe_customer_id) VALUES ('page-plan', 'page-plan@example.com', 'cus_page_plan') RETURNING id`);
      const meter = await client.query<{ id: string }>(
        `INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('page_plan', 'Page plan', 'sum', 'mb_page_plan', 1, 'usd') RETURNING id`,
      );
      await client.query(
        `INSERT INTO usage_reports (customer_id, meter_id, window_start, window_end, sequence, units, event_count, report_time, oldest_received_at, tx_from, tx_to)
         SELECT $1, $2, timestamptz '2026-01-01' + n * interval '1 hour', timestamptz '2026-01-01' + (n + 1) * interval '1 hour', 1, 1, 1,
                timestamptz '2026-01-01' + n * interval '1 hour', now(), '1'::xid8, '2'::xid8
         FROM generate_series(1, $3::int) n`,
        [customer.rows[0]!.id, meter.rows[0]!.id, REPORTS],
      );
      await client.query(`INSERT INTO report_queue (report_id, state) SELECT id, 'pending' FROM usage_reports`);
      await client.query('ANALYZE usage_reports, report_queue');
    });

    it('reads about one page of usage_reports, however far the cursor is', async () => {
      const [{ cursor }] = (await client.query<{ cursor: string }>(`SELECT (max(id) - $1::int * 2)::text AS cursor FROM usage_reports`, [PAGE])).rows as [{ cursor: string }];
      const plan = await client.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN (ANALYZE, FORMAT JSON) ${PENDING_PAGE_SQL}`, values: [cursor, PAGE, null, []] });
      const rowsRead: Record<string, number> = {};
      const visit = (node: { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; Plans?: unknown[] }) => {
        if (node['Relation Name']) rowsRead[node['Relation Name']] = (rowsRead[node['Relation Name']] ?? 0) + node['Actual Rows'] * node['Actual Loops'];
        (node.Plans as (typeof node)[] | undefined)?.forEach(visit);
      };
      visit((plan.rows[0]!['QUERY PLAN'] as unknown as [{ Plan: Parameters<typeof visit>[0] }])[0].Plan);
      expect(rowsRead.usage_reports).toBeLessThanOrEqual(PAGE * 1.1);
      expect(rowsRead.report_queue).toBeLessThanOrEqual(PAGE * 1.1);
    });
  });
});
