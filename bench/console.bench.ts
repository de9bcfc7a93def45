import { cpus, loadavg } from 'node:os';
import { createApp } from '../src/app.factory.js';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { MigrationService } from '../src/database/migration.service.js';
import { onDatabase } from './bench-database.js';

/**
 * `npx tsc -p bench/tsconfig.json && node dist/bench/console.bench.js` — how long each console page
 * takes to answer with 1,000 customers and 100 usage events each (BENCH_CUSTOMERS, BENCH_EVENTS_PER_CUSTOMER),
 * signed in as an admin: median and slowest of 5 loads per page, on a fresh database of the
 * PostgreSQL server BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const EVENTS_PER_CUSTOMER = Number(process.env.BENCH_EVENTS_PER_CUSTOMER ?? 100);
const LOADS = 5;

async function seed(databaseUrl: string): Promise<void> {
  await onDatabase(databaseUrl, async (client) => {
    const meter = await client.query<{ id: string }>(
      `INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('api_calls', 'API calls', 'sum', 'mb_api_calls', '0.5', 'usd') RETURNING id`,
    );
    await client.query(`INSERT INTO customers (external_id, email) SELECT 'acct_' || lpad(g::text, 5, '0'), 'c' || g || '@example.com' FROM generate_series(1, $1::int) g`, [CUSTOMERS]);
    // spread over the last 30 hours, so the current month's per-day chart has bars
    await client.query(
      `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time)
       SELECT c.id, $1, 'req_' || g, 1 + g % 7, now() - (g % 1800) * interval '1 minute' FROM customers c CROSS JOIN generate_series(1, $2::int) g`,
      [meter.rows[0]!.id, EVENTS_PER_CUSTOMER],
    );
    await client.query('ANALYZE');
  });
}

async function main(): Promise<void> {
  const databaseName = `meterbridge_console_bench_${process.pid}`;
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  const config = loadAppConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' }, '/nonexistent/.env');
  const app = await createApp(config);
  try {
    await app.get(MigrationService).migrateUnderLock();
    await seed(databaseUrl);
    const { token } = await app.get(ApiKeysService).create('console bench', ['admin']);
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const signIn = await fetch(`${base}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ apiKey: token }), redirect: 'manual' });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const middle = await onDatabase(databaseUrl, (client) => client.query<{ id: string; external_id: string }>(`SELECT id, external_id FROM customers ORDER BY external_id OFFSET $1 LIMIT 1`, [CUSTOMERS / 2]));
    const customer = middle.rows[0]!;
    const pages = ['/console', '/console/invoices', '/console/customers', `/console/customers?externalId=${customer.external_id}`, `/console/customers/${customer.id}`, '/console/notifications', `/console/trace?customer=${customer.external_id}&key=req_7`];
    console.log(`${CUSTOMERS} customers × ${EVENTS_PER_CUSTOMER} events, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
    for (const page of pages) {
      const times: number[] = [];
      for (let load = 0; load < LOADS; load++) {
        const started = performance.now();
        const response = await fetch(`${base}${page}`, { headers: { cookie } });
        await response.text();
        if (response.status !== 200) throw new Error(`${page} answered ${response.status}`);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(`  ${page}: median ${times[Math.floor(LOADS / 2)]!.toFixed(0)} ms, slowest ${times[LOADS - 1]!.toFixed(0)} ms`);
    }
  } finally {
    await app.close();
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
