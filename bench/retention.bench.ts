import { cpus } from 'node:os';
import pg from 'pg';
import { BENCH_SERVER_URL, insertBenchCustomersAndMeter, loadAverage, onDatabase, writeBenchResults } from './bench-database.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';
import { runRetention, type RetentionRunResult } from '../src/retention/retention-run.js';
import type { BenchFixtures, PhaseResult } from './ingest-baseline.js';
import { serviceLoad, singleEvent, startService } from './ingest-service.js';

/**
 * npm run bench:retention — the retention job (docs/retention.md) rolling up and deleting
 * BENCH_RETENTION_EVENTS (default 5 million) settled events while POST /v1/usage takes load:
 * ingest throughput alone (before and after the job), ingest throughput while the job runs, and
 * the job's rate in rows per second. BENCH_DATABASE_URL names the server (default
 * postgres://postgres@127.0.0.1:5432/postgres); BENCH_SECONDS the length of each ingest phase
 * (default 20). Writes bench/results/retention-<date>.json.
 */

const SERVER_URL = BENCH_SERVER_URL;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const EVENTS = Number(process.env.BENCH_RETENTION_EVENTS ?? 5_000_000);
const CUSTOMERS = 1000;
const DAYS = 100;
const SEED_CHUNK = 500_000;
const CONNECTIONS = 64;
const SERVICE_PORT = 38_432;
const DAY_MS = 24 * 60 * 60 * 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Customers, a meter and EVENTS events 101 to 200 days old (received when they happened, in time
 * order), with one delivered report per customer × day covering them: all of it is eligible.
 */
async function seed(databaseUrl: string): Promise<BenchFixtures> {
  return onDatabase(databaseUrl, async (client) => {
    const { customerIds, meterId } = await insertBenchCustomersAndMeter(client, CUSTOMERS);
    const start = Date.now() - (DAYS + 100) * DAY_MS;
    const spacingMs = (DAYS * DAY_MS) / EVENTS;
    for (let first = 0; first < EVENTS; first += SEED_CHUNK) {
      await client.query(
        `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time, received_at)
         SELECT c.id, $2, 'old-' || n, n % 17, t.at, t.at
         FROM generate_series($3::bigint, $4::bigint) n
         CROSS JOIN LATERAL (SELECT to_timestamp(($5::float8 + n * $6::float8) / 1000) AS at) t
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM customers) c ON c.rn = n % $1`,
        [CUSTOMERS, meterId, first, Math.min(first + SEED_CHUNK, EVENTS) - 1, start, spacingMs],
      );
      log(`  seeded ${Math.min(first + SEED_CHUNK, EVENTS).toLocaleString('en-US')} events`);
    }
    await client.query(
      `INSERT INTO usage_reports (customer_id, meter_id, window_start, window_end, sequence, units, event_count, report_time, oldest_received_at, tx_from, tx_to)
       SELECT customer_id, meter_id, date_trunc('day', event_time, 'UTC'), date_trunc('day', event_time, 'UTC') + interval '1 day', 0, sum(value), count(*),
              max(event_time), min(received_at), '0', pg_current_xact_id()
       FROM usage_events GROUP BY customer_id, meter_id, date_trunc('day', event_time, 'UTC')`,
    );
    await client.query('VACUUM ANALYZE');
    return { customerIds, meterId, meterKey: 'api_calls' };
  });
}

async function retentionJob(databaseUrl: string): Promise<RetentionRunResult & { seconds: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    const result = await runRetention(async (text, values) => (await client.query(text, values)).rows, 90, 10_000);
    return { ...result, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const databaseName = `meterbridge_bench_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const apiKey = generateApiKeyToken().token;
  const loads: Record<string, string> = { start: loadAverage() };
  try {
    const service = await startService(databaseUrl, SERVICE_PORT, apiKey, { RETENTION_ENABLED: 'false', USAGE_ALERTS_ENABLED: 'false' });
    try {
      log(`database ${databaseName}: seeding ${EVENTS.toLocaleString('en-US')} settled events over ${DAYS} days (load average ${loads.start})`);
      const fixtures = await seed(databaseUrl);
      const ingest = serviceLoad(service, { path: '/v1/usage', connections: CONNECTIONS, seconds: SECONDS, eventsPerRequest: 1, body: singleEvent(fixtures, 'new') });
      await ingest.warmUp();
      log('  ingest alone …');
      loads.before = loadAverage();
      const before = await ingest.measure();
      log('  ingest while the retention job runs …');
      const job = retentionJob(databaseUrl);
      loads.during = loadAverage();
      const during = await ingest.measure();
      const jobStillRunning = await Promise.race([job.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 0))]);
      const finished = await job;
      log('  ingest alone again …');
      loads.after = loadAverage();
      const after = await ingest.measure();
      const remaining = await onDatabase(databaseUrl, async (client) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM usage_events WHERE event_time < $1`, [finished.horizon])).rows[0]!.n));
      const [rolledUp] = await onDatabase(databaseUrl, async (client) => (await client.query<{ events: string }>('SELECT sum(event_count)::text AS events FROM usage_daily')).rows);
      const alone = (before.eventsPerSecond + after.eventsPerSecond) / 2;
      const results = {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, loadAverage: loads, note: 'the machine is shared with other work: compare phases of one run, not runs' },
        events: EVENTS,
        job: { deleted: finished.deleted, batches: finished.batches, seconds: finished.seconds, rowsPerSecond: finished.deleted / finished.seconds, remainingBeforeHorizon: remaining, rolledUpEvents: Number(rolledUp?.events ?? 0) },
        ingest: { before, during, after, jobRanThroughout: jobStillRunning, duringVsAlone: during.eventsPerSecond / alone } satisfies Record<string, PhaseResult | boolean | number>,
      };
      const format = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
      log('');
      log(`retention job: ${format(finished.deleted)} events rolled up and deleted in ${finished.seconds.toFixed(1)} s = ${format(results.job.rowsPerSecond)} rows/s (${finished.batches} batches); ${remaining} left before the horizon`);
      log(`ingest POST /v1/usage (${CONNECTIONS} connections): alone ${format(before.eventsPerSecond)} / ${format(after.eventsPerSecond)} events/s (before / after), during the job ${format(during.eventsPerSecond)} events/s = ${(results.ingest.duringVsAlone * 100).toFixed(0)}% of alone${jobStillRunning ? '' : ' (the job ended before the phase did)'}; p99 ${before.p99} / ${during.p99} ms`);
      log(`load average: ${JSON.stringify(loads)}`);
      log(`results written to ${writeBenchResults('retention', results)}`);
    } finally {
      await service.stop();
    }
  } finally {
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
