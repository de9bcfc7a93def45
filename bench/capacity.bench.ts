import { cpus } from 'node:os';
import pg from 'pg';
import pLimit from 'p-limit';
import { BENCH_SERVER_URL, loadAverage, onDatabase, writeBenchResults } from './bench-database.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';
import { RECORD_EVENTS_SQL, recordEventsParameters } from '../src/metering/usage-events.repository.js';
import { backendCpu, backendCpuSince, processCpuSeconds, statementWal, tableBytes, walBytesSince, walPosition } from './capacity-probes.js';
import type { BenchFixtures } from './ingest-baseline.js';
import { serviceLoad, startService, type RunningService } from './ingest-service.js';

/**
 * npm run bench:capacity — the unit costs behind docs/capacity.md: per ingested event (single
 * requests with group commit, and 1000-event batches) and per report (the reporter's claim and
 * delivery to the in-process Stripe emulator): PostgreSQL CPU seconds (the backends of the bench
 * database only, from /proc), WAL bytes (pg_current_wal_lsn differences, less the WAL other
 * databases wrote at the rate measured while the bench was idle), heap and index bytes, and the
 * service's CPU per request. BENCH_DATABASE_URL names the server (default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_SECONDS each ingest phase (default 20).
 * Writes bench/results/capacity-<date>.json.
 */

const SERVER_URL = BENCH_SERVER_URL;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CUSTOMERS = 1000;
const HOURS = 30;
const SERVICE_PORT = 38_433;
const IDLE_SECONDS = 5;
const USAGE_TABLES = ['usage_events'];
const REPORT_TABLES = ['usage_reports', 'report_queue', 'report_deliveries', 'reporter_runs'];

const log = (line: string) => process.stdout.write(`${line}\n`);

interface UnitCost {
  units: number;
  requests: number;
  seconds: number;
  postgresCpuSeconds: number;
  serviceCpuSeconds: number;
  walBytes: number;
  heapBytes: number;
  indexBytes: number;
}

/** Measures `work` (which returns how many units and requests it did) with every probe around it. */
async function measure(client: pg.Client, database: string, service: RunningService, tables: string[], otherWalPerSecond: number, work: () => Promise<{ units: number; requests: number }>): Promise<UnitCost> {
  const [cpu, serviceCpu, lsn, bytes] = [await backendCpu(client, database), processCpuSeconds(service.pid), await walPosition(client), await tableBytes(client, tables)];
  const started = performance.now();
  const done = await work();
  const seconds = (performance.now() - started) / 1000;
  const after = await tableBytes(client, tables);
  return {
    ...done,
    seconds,
    postgresCpuSeconds: await backendCpuSince(client, database, cpu),
    serviceCpuSeconds: processCpuSeconds(service.pid) - serviceCpu,
    walBytes: Math.max(0, (await walBytesSince(client, lsn)) - otherWalPerSecond * seconds),
    heapBytes: after.heap - bytes.heap,
    indexBytes: after.index - bytes.index,
  };
}

const perUnit = (cost: UnitCost) => ({
  postgresCpuMicroseconds: (cost.postgresCpuSeconds / cost.units) * 1e6,
  serviceCpuMicrosecondsPerRequest: (cost.serviceCpuSeconds / cost.requests) * 1e6,
  serviceCpuMicroseconds: (cost.serviceCpuSeconds / cost.units) * 1e6,
  walBytes: cost.walBytes / cost.units,
  heapBytes: cost.heapBytes / cost.units,
  indexBytes: cost.indexBytes / cost.units,
  unitsPerSecond: cost.units / cost.seconds,
});

async function api(service: RunningService, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A meter and customers through the API (Stripe objects in the emulator), one subscription each with a period covering the last 31 days. */
async function seed(service: RunningService, databaseUrl: string): Promise<BenchFixtures> {
  await api(service, '/v1/meters', { key: 'api_calls', displayName: 'API calls', aggregation: 'sum', unitAmountDecimal: '0.001', currency: 'usd' });
  const limit = pLimit(8);
  await Promise.all(Array.from({ length: CUSTOMERS }, (_, n) => limit(() => api(service, '/v1/customers', { externalId: `cap-${n}`, email: `cap-${n}@example.com` }))));
  return onDatabase(databaseUrl, async (client) => {
    await client.query(`INSERT INTO subscriptions (customer_id, stripe_subscription_id, status) SELECT id, 'sub_' || external_id, 'active' FROM customers`);
    await client.query(
      `INSERT INTO subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end)
       SELECT s.id, m.id, 'si_' || s.id, m.stripe_price_id, now() - interval '31 days', now() + interval '1 day' FROM subscriptions s CROSS JOIN meters m`,
    );
    await client.query(
      `INSERT INTO billing_periods (subscription_item_id, customer_id, meter_id, period_start, period_end)
       SELECT i.id, s.customer_id, i.meter_id, i.current_period_start, i.current_period_end FROM subscription_items i JOIN subscriptions s ON s.id = i.subscription_id`,
    );
    const customers = await client.query<{ id: string }>('SELECT id FROM customers ORDER BY external_id');
    const meter = await client.query<{ id: string }>('SELECT id FROM meters');
    return { customerIds: customers.rows.map((row) => row.id), meterId: meter.rows[0]!.id, meterKey: 'api_calls' };
  });
}

/** Event n: customer n mod CUSTOMERS, in one of the last HOURS hours, so the reporter makes CUSTOMERS × HOURS reports. */
const timedEvent = (fixtures: BenchFixtures, prefix: string, now: number) => (n: number) => ({
  customerId: fixtures.customerIds[n % fixtures.customerIds.length],
  meter: fixtures.meterKey,
  value: 1 + (n % 7),
  timestamp: new Date(now - ((Math.floor(n / fixtures.customerIds.length) % HOURS) + 0.5) * 3_600_000).toISOString(),
  idempotencyKey: `${prefix}-${n}`,
});

async function main(): Promise<void> {
  const database = `meterbridge_bench_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${database}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${database}`));
  const loads: string[] = [loadAverage()];
  const service = await startService(databaseUrl, SERVICE_PORT, generateApiKeyToken().token, { RETENTION_ENABLED: 'false', USAGE_ALERTS_ENABLED: 'false', REPORTER_USE_V2_STREAM: 'true', REPORTER_CONCURRENCY: '16', REPORTER_MAX_REQUESTS_PER_SECOND: '10000' });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    log(`database ${database}: seeding ${CUSTOMERS} customers through the API`);
    const fixtures = await seed(service, databaseUrl);
    const now = Date.now();
    const single = serviceLoad(service, { path: '/v1/usage', connections: 64, seconds: SECONDS, eventsPerRequest: 1, body: timedEvent(fixtures, 'single', now) });
    const batchEvent = timedEvent(fixtures, 'batch', now);
    const batch = serviceLoad(service, { path: '/v1/usage/batch', connections: 8, seconds: SECONDS, eventsPerRequest: 1000, body: (request) => ({ events: Array.from({ length: 1000 }, (_, index) => batchEvent(request * 1000 + index)) }) });
    await single.warmUp();
    const idleLsn = await walPosition(client);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const otherWalPerSecond = (await walBytesSince(client, idleLsn)) / IDLE_SECONDS;
    log(`  other databases wrote ${Math.round(otherWalPerSecond)} WAL bytes/s while the bench was idle (subtracted)`);
    log('  ingest, single events with group commit …');
    const singleCost = await measure(client, database, service, USAGE_TABLES, otherWalPerSecond, async () => {
      const result = await single.measure();
      return { units: result.events, requests: result.events };
    });
    loads.push(loadAverage());
    log('  ingest, batches of 1000 …');
    const batchCost = await measure(client, database, service, USAGE_TABLES, otherWalPerSecond, async () => {
      const result = await batch.measure();
      return { units: result.events, requests: result.events / 1000 };
    });
    loads.push(loadAverage());
    log('  reporter run: claim and deliver everything …');
    const reportCost = await measure(client, database, service, REPORT_TABLES, otherWalPerSecond, async () => {
      const run = await api(service, '/v1/reporting/runs', {});
      return { units: Number(run.sent), requests: 1 };
    });
    loads.push(loadAverage());
    // the ingest statement's own WAL per event, exact whatever other databases write
    const statementWalPerEvent: Record<string, { bytes: number; fullPageImages: number }> = {};
    for (const size of [1, 10, 100, 1000]) {
      const events = Array.from({ length: size }, (_, index) => timedEvent(fixtures, `wal-${size}`, now)(index)).map(({ customerId, meter, value, timestamp, idempotencyKey }) => ({ customerId, externalCustomerId: null, meter, value, eventTime: timestamp, timestampGiven: true, properties: null, idempotencyKey }));
      const wal = await statementWal(client, RECORD_EVENTS_SQL, recordEventsParameters(events));
      // full page images: the first change of a page after a checkpoint logs the whole 8 kB page
      statementWalPerEvent[`batchOf${size}`] = { bytes: wal.bytes / size, fullPageImages: wal.fullPageImages / size };
    }
    const results = {
      statementWalPerEvent,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAverage: loads, note: 'PostgreSQL, the service, the load generator and other work share these CPUs' },
      otherWalBytesPerSecond: otherWalPerSecond,
      ingestSingle: { raw: singleCost, perEvent: perUnit(singleCost) },
      ingestBatch: { raw: batchCost, perEvent: perUnit(batchCost) },
      report: { raw: reportCost, perReport: perUnit(reportCost) },
    };
    log(JSON.stringify(results, null, 2));
    log(`results written to ${writeBenchResults('capacity', results)}`);
  } finally {
    await service.stop();
    await client.end();
    await onDatabase(SERVER_URL, (admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
