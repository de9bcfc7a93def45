import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../src/app.module.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { MigrationService } from '../src/database/migration.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { ReportingService } from '../src/reporting/reporting.service.js';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token.js';
import { type Stripe } from '../src/stripe/stripe.constants.js';
import { markAllRows, naiveReporter, type FloorResult, type NaiveResult } from './report-baselines.js';
import { onDatabase } from './bench-database.js';
import { CUSTOMERS, DAYS, METERS, seedCatalogue, seedUsage } from './report-seed.js';

/**
 * npm run bench:report — drains 5 million pending usage events (1,000 customers × 3 meters over
 * 30 days) through the reporter into the Stripe emulator on the v2 meter event stream, next to
 * the floor (one UPDATE marking every row) and the naive way (load, group in JS, UPDATE each row)
 * on a time-boxed subset, extrapolated. The emulator runs in its own process: it keeps every
 * meter event in memory (about two million here), which is Stripe's memory, not the reporter's;
 * RSS is sampled in the reporter's process only, which the seeding never ran in (it runs in a
 * child process). That process runs as the production image runs the service: without
 * --enable-source-maps (which keeps every loaded module's source map, about 60 MiB here) and with
 * a 256 MB V8 heap limit (the npm script), as in a container with the deployment's memory limit:
 * without one, V8 on a large machine defers collection and RSS measures garbage (280–430 MB from
 * run to run here) while the heap in use stays near 100 MB. A reporter that held the backlog would fail under the limit.
 * BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
 * BENCH_EVENTS the event count.
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000_000);
const EMULATOR_PORT = 38_512;
const NAIVE_SUBSET = 100_000;
const NAIVE_MARK_SECONDS = 45;
const RSS_SAMPLE_MS = 50;
const SEED_FLAG = '--seed';
/** Stripe's stated v2 stream limit; 16 requests in flight; pages of 5,000 reports (≈ 2 MB). */
const REPORTER_ENVIRONMENT = { REPORTER_USE_V2_STREAM: 'true', REPORTER_MAX_REQUESTS_PER_SECOND: '10000', REPORTER_CONCURRENCY: '16', REPORTER_PAGE_SIZE: '5000' };

async function startEmulator(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--max-old-space-size=6144', join(dirname(require.resolve('@meterbridge/stripe-emulator')), 'emulator.main.js')], {
    env: { PATH: process.env.PATH, TZ: 'UTC', STRIPE_EMULATOR_PORT: String(EMULATOR_PORT) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`the emulator exited with code ${code}`)));
  });
  return { url: `http://127.0.0.1:${EMULATOR_PORT}`, process: child };
}

/** The reporter is driven by the bench (ReportingService.run), so no background job runs beside it. */
function reporterConfig(databaseUrl: string, emulatorUrl: string) {
  return loadAppConfig(
    {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      STRIPE_SECRET_KEY: 'sk_test_meterbridge_bench',
      STRIPE_API_BASE_URL: emulatorUrl,
      ...REPORTER_ENVIRONMENT,
    },
    '/nonexistent/.env',
  ).withoutBackgroundJobs();
}

async function startReporter(databaseUrl: string, emulatorUrl: string): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(reporterConfig(databaseUrl, emulatorUrl)), { logger: ['error', 'warn'] });
  await app.get(MigrationService).migrateUnderLock();
  return app;
}

/**
 * The catalogue and the events are written by another process (this script with --seed), so the
 * reporter's process holds what a reporter would in production, not the seeding's garbage.
 */
async function seedInChildProcess(databaseUrl: string, emulatorUrl: string): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, SEED_FLAG, databaseUrl, emulatorUrl], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`seeding failed (exit ${code})`);
}

async function seed(databaseUrl: string, emulatorUrl: string): Promise<void> {
  const app = await startReporter(databaseUrl, emulatorUrl);
  try {
    await seedCatalogue(app, databaseUrl);
    await seedUsage(databaseUrl, EVENTS);
  } finally {
    await app.close();
  }
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  process.stdout.write(`  ${label} …\n`);
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Peak RSS of this process while `work` runs. */
async function withRssSampling<T>(work: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  try {
    return { result: await work(), peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

async function stripeRequests(app: INestApplicationContext, operation: string): Promise<number> {
  const text = await app.get(MetricsService).registry.getSingleMetricAsString('meterbridge_stripe_request_duration_seconds');
  const line = text.split('\n').find((candidate) => candidate.startsWith(`meterbridge_stripe_request_duration_seconds_count{operation="${operation}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

interface Verification {
  reports: number;
  windows: number;
  pendingAfter: number;
  stripeMeterEvents: number;
  /** Customer × meter pairs whose Stripe total (meter formula over the whole range) equals the ledger. */
  pairsChecked: number;
  pairsMatching: number;
}

/** Reports, windows and pending rows locally; meter events and, for a sample of pairs, totals in Stripe. */
async function verify(app: INestApplicationContext, databaseUrl: string, emulatorUrl: string): Promise<Verification> {
  await fetch(`${emulatorUrl}/_emulator/meter_event_stream/flush`, { method: 'POST' });
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state`)).json()) as { counts: { meter_events: number } };
  const local = await onDatabase(databaseUrl, async (client) => {
    const counts = await client.query<{ reports: number; windows: number; pending: number }>(
      `SELECT count(*)::int AS reports, count(DISTINCT (customer_id, meter_id, window_start))::int AS windows,
              (SELECT count(*) FROM report_queue)::int AS pending FROM usage_reports`,
    );
    const sample = await client.query<{ stripe_customer_id: string; stripe_meter_id: string; ingested: string }>(
      `SELECT c.stripe_customer_id, m.stripe_meter_id,
              CASE m.aggregation WHEN 'sum' THEN sum(e.value) WHEN 'count' THEN count(*)
                   ELSE (array_agg(e.value ORDER BY e.event_time DESC, e.id DESC))[1] END::text AS ingested
       FROM (SELECT id FROM customers ORDER BY id LIMIT 10) chosen
       JOIN usage_events e ON e.customer_id = chosen.id JOIN customers c ON c.id = e.customer_id JOIN meters m ON m.id = e.meter_id
       GROUP BY c.stripe_customer_id, m.stripe_meter_id, m.aggregation`,
    );
    return { ...counts.rows[0]!, sample: sample.rows };
  });
  const stripe = app.get<Stripe>(STRIPE_CLIENT);
  const end = Math.ceil(Date.now() / 60_000) * 60 + 60;
  const start = end - (DAYS + 2) * 86_400;
  let matching = 0;
  for (const pair of local.sample) {
    const summaries = await stripe.billing.meters.listEventSummaries(pair.stripe_meter_id, { customer: pair.stripe_customer_id, start_time: start, end_time: end });
    if (String(summaries.data[0]?.aggregated_value) === pair.ingested) matching += 1;
  }
  return { reports: local.reports, windows: local.windows, pendingAfter: local.pending, stripeMeterEvents: state.counts.meter_events, pairsChecked: local.sample.length, pairsMatching: matching };
}

const format = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${format(bytes / 1024 / 1024)} MiB`;

interface Drain {
  seconds: number;
  /** The whole service in this process, idle, just before the drain. */
  rssBefore: number;
  peakRss: number;
  claimedEvents: number;
  sent: number;
  streamRequests: number;
  sessions: number;
}

function printTable(drain: Drain, floor: FloorResult, naive: NaiveResult, checks: Verification, machine: Record<string, string>): Record<string, number> {
  const naiveSeconds = EVENTS / naive.rowsPerSecond;
  const ratios = { drainVsNaive: naiveSeconds / drain.seconds, drainVsFloor: floor.seconds / drain.seconds, requestsPerWindow: drain.streamRequests / checks.windows };
  const row = (name: string, seconds: string, rate: string, note: string) => `${name.padEnd(58)}${seconds.padStart(12)}${rate.padStart(14)}  ${note}`;
  const lines = [
    '',
    `Meterbridge report bench — ${format(EVENTS)} events, ${CUSTOMERS} customers × ${METERS.length} meters over ${DAYS} days; ${machine.postgres}, ${machine.cpus} CPUs shared by PostgreSQL, the reporter and the emulator; load ${machine.loadAverage} at start`,
    row('phase', 'seconds', 'events/s', ''),
    row('reporter drain (claim + v2 stream delivery)', format(drain.seconds, 1), format(EVENTS / drain.seconds), `peak RSS ${mb(drain.peakRss)}`),
    row('floor: UPDATE usage_events SET reported = true (one statement)', format(floor.seconds, 1), format(floor.rows / floor.seconds), `${format(floor.rows)} rows`),
    row(`naive: load, group in JS, UPDATE each row (${format(naive.rows)} rows measured)`, `${format(naiveSeconds, 0)}*`, format(naive.rowsPerSecond), `* extrapolated to ${format(EVENTS)}; loading ${format(NAIVE_SUBSET)} rows grew RSS by ${mb(naive.loadRssBytes)}`),
    '',
    `drain vs naive mark-every-row: ${format(ratios.drainVsNaive, 1)}× faster (target ≥ 10×)`,
    `drain vs floor UPDATE:         ${format(ratios.drainVsFloor, 2)}× (the floor only flips a flag: no aggregation, no delivery)`,
    `peak RSS during the drain:     ${mb(drain.peakRss)} (target < 250 MiB; the idle service in this process: ${mb(drain.rssBefore)})`,
    `Stripe: ${format(drain.streamRequests)} stream requests + ${drain.sessions} session(s) for ${format(checks.windows)} customer × meter × windows (${format(ratios.requestsPerWindow, 3)} per window, target ≤ 1); ${format(drain.sent)} meter events sent, ${format(checks.stripeMeterEvents)} held by Stripe`,
    `claimed ${format(drain.claimedEvents)} events into ${format(checks.reports)} reports; ${checks.pendingAfter} not sent afterwards; Stripe totals equal the ledger for ${checks.pairsMatching}/${checks.pairsChecked} sampled customer × meter pairs`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return ratios;
}

async function main(): Promise<void> {
  const databaseName = `meterbridge_bench_report_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const emulator = await startEmulator();
  let app: INestApplicationContext | undefined;
  try {
    const machine = await onDatabase(databaseUrl, async (client) => ({
      postgres: (await client.query<{ v: string }>(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0]!.v,
      cpus: String(cpus().length),
      loadAverage: loadavg().map((value) => value.toFixed(2)).join(' '),
    }));
    process.stdout.write(`database ${databaseName}, Stripe emulator at ${emulator.url} (own process)\n`);
    const seeding = await timed(`seeding ${CUSTOMERS} customers (in Stripe too), ${METERS.length} meters, subscriptions and ${format(EVENTS)} events (another process)`, () =>
      seedInChildProcess(databaseUrl, emulator.url),
    );
    const reporter = (app = await startReporter(databaseUrl, emulator.url));
    const rssBefore = process.memoryUsage.rss();
    const drainRun = await timed('draining through the reporter', () => withRssSampling(() => reporter.get(ReportingService).run('api')));
    const run = drainRun.result.result;
    const drain: Drain = {
      seconds: drainRun.seconds,
      rssBefore,
      peakRss: drainRun.result.peakRss,
      claimedEvents: Number(run.claimedEvents),
      sent: run.sent,
      streamRequests: await stripeRequests(reporter, 'meter_event_stream.create'),
      sessions: await stripeRequests(reporter, 'meter_event_session.create'),
    };
    const checks = await verify(reporter, databaseUrl, emulator.url);
    const floor = (await timed('floor: one UPDATE of every row', () => markAllRows(databaseUrl))).result;
    const naive = (await timed(`naive: ${format(NAIVE_SUBSET)} rows loaded, marked one by one for up to ${NAIVE_MARK_SECONDS} s`, () => naiveReporter(databaseUrl, NAIVE_SUBSET, NAIVE_MARK_SECONDS))).result;
    const ratios = printTable(drain, floor, naive, checks, machine);
    mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
    const file = join(__dirname, '..', '..', 'bench', 'results', `report-${new Date().toISOString().slice(0, 10)}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), machine, events: EVENTS, customers: CUSTOMERS, meters: METERS.length, days: DAYS, reporter: REPORTER_ENVIRONMENT, seedingSeconds: seeding.seconds, drain, run, checks, floor, naive: { ...naive, subset: NAIVE_SUBSET, extrapolatedSeconds: EVENTS / naive.rowsPerSecond }, ratios }, null, 2)}\n`,
    );
    process.stdout.write(`results written to ${file}\n`);
  } finally {
    await app?.close();
    emulator.process.kill('SIGTERM');
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

const [flag, seedDatabaseUrl, seedEmulatorUrl] = process.argv.slice(2);
(flag === SEED_FLAG ? seed(seedDatabaseUrl!, seedEmulatorUrl!) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
