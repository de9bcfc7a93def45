import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Runs `work` on one connection to `url`, closed afterwards: each bench step opens its own. */
export async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL server a bench creates its database on (BENCH_DATABASE_URL). */
export const BENCH_SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');

/** Writes bench/results/<name>-<date>.json and returns its path. */
export function writeBenchResults(name: string, results: unknown): string {
  const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** `count` customers (bench-1 …) and the sum meter `api_calls`, straight into the tables. */
export async function insertBenchCustomersAndMeter(client: pg.Client, count: number): Promise<{ customerIds: string[]; meterId: string }> {
  const customers = await client.query<{ id: string }>(
    `INSERT INTO customers (external_id, email) SELECT 'bench-' || n, 'bench-' || n || '@example.com' FROM generate_series(1, $1::int) n RETURNING id`,
    [count],
  );
  const meter = await client.query<{ id: string }>(
    `INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('api_calls', 'API calls', 'sum', 'mb_api_calls', 0.5, 'usd') RETURNING id`,
  );
  return { customerIds: customers.rows.map((row) => row.id), meterId: meter.rows[0]!.id };
}

/** `count` usage alerts on `meterId`: alert n watches customer n (mod the customers), later rounds with higher thresholds. */
export async function insertBenchUsageAlerts(client: pg.Client, meterId: string, count: number, customers: number): Promise<void> {
  await client.query(
    `INSERT INTO usage_alerts (name, meter_id, customer_id, threshold)
     SELECT 'bench ' || n, $1, c.id, 100 * (1 + (n - 1) / $3::int)
     FROM generate_series(1, $2::int) n
     JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM customers) c ON c.rn = (n - 1) % $3::int + 1`,
    [meterId, count, customers],
  );
}
