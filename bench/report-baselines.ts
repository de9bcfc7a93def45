import pg from 'pg';
import { onDatabase } from './bench-database.js';

/** What the drain is compared with, on the same table in the same run. */

export interface FloorResult {
  rows: number;
  seconds: number;
}

/** The floor: one `UPDATE … SET reported = true` of every row, the least any mark-the-rows design can cost. */
export async function markAllRows(databaseUrl: string): Promise<FloorResult> {
  return onDatabase(databaseUrl, async (client) => {
    await client.query('ALTER TABLE usage_events ADD COLUMN bench_reported boolean NOT NULL DEFAULT false');
    const started = performance.now();
    const result = await client.query('UPDATE usage_events SET bench_reported = true');
    return { rows: result.rowCount ?? 0, seconds: (performance.now() - started) / 1000 };
  });
}

export interface NaiveResult {
  /** Rows loaded, grouped and marked one by one within the time box. */
  rows: number;
  groups: number;
  loadSeconds: number;
  markSeconds: number;
  /** RSS growth while the loaded rows were held in memory. */
  loadRssBytes: number;
  /** Rows per second of the whole naive pipeline, from which the full table is extrapolated. */
  rowsPerSecond: number;
}

interface EventRow {
  id: string;
  customer_id: string;
  meter_id: string;
  value: string;
  event_time: Date;
}

/**
 * The naive reporter, on the first `limit` events: load the pending rows into memory, group them
 * per customer × meter × hour in JavaScript, then mark each row reported with its own UPDATE (as
 * an ORM loop does), for at most `markBudgetSeconds`. Stripe calls are left out, which flatters it.
 */
export async function naiveReporter(databaseUrl: string, limit: number, markBudgetSeconds: number): Promise<NaiveResult> {
  return onDatabase(databaseUrl, async (client: pg.Client) => {
    const rssBefore = process.memoryUsage.rss();
    const loadStarted = performance.now();
    const { rows } = await client.query<EventRow>('SELECT id, customer_id, meter_id, value, event_time FROM usage_events ORDER BY id LIMIT $1', [limit]);
    const groups = new Map<string, { units: bigint; ids: string[] }>();
    for (const row of rows) {
      const key = `${row.customer_id}/${row.meter_id}/${Math.floor(row.event_time.getTime() / 3_600_000)}`;
      const group = groups.get(key) ?? { units: 0n, ids: [] };
      group.units += BigInt(row.value);
      group.ids.push(row.id);
      groups.set(key, group);
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const loadRssBytes = process.memoryUsage.rss() - rssBefore;
    const markStarted = performance.now();
    let marked = 0;
    outer: for (const group of groups.values()) {
      for (const id of group.ids) {
        await client.query('UPDATE usage_events SET bench_reported = false WHERE id = $1', [id]);
        marked += 1;
        if ((performance.now() - markStarted) / 1000 >= markBudgetSeconds) break outer;
      }
    }
    const markSeconds = (performance.now() - markStarted) / 1000;
    const perRow = loadSeconds / rows.length + markSeconds / marked;
    return { rows: marked, groups: groups.size, loadSeconds, markSeconds, loadRssBytes, rowsPerSecond: 1 / perRow };
  });
}
