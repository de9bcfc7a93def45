import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { insertBenchCustomersAndMeter, insertBenchUsageAlerts, onDatabase } from './bench-database.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';
import { rawBatchInserts, rawSingleInserts, type BenchFixtures, type PhaseResult } from './ingest-baseline.js';
import { eventBatch, serviceLoad, singleEvent, startService, type RunningService, type ServiceLoad } from './ingest-service.js';

/**
 * npm run bench:ingest — usage ingestion throughput on this machine's PostgreSQL, in one go:
 * (a) raw node-postgres inserts (the baseline), (b) POST /v1/usage with and without group commit,
 * (c) POST /v1/usage/batch with 1000-event batches. Each phase starts from an empty usage_events
 * table. BENCH_DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres);
 * BENCH_SECONDS the length of each measured phase (default 10); BENCH_USAGE_ALERTS defines that many
 * usage alerts on the bench meter before the service phases (spread over the customers, thresholds
 * the load crosses), so the alert evaluator runs beside ingestion as it would in production.
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const USAGE_ALERTS = Number(process.env.BENCH_USAGE_ALERTS ?? 0);
const RAW_SINGLE_CLIENTS = 16;
const RAW_BATCH_CLIENTS = 8;
const HTTP_SINGLE_CONNECTIONS = 64;
const HTTP_BATCH_CONNECTIONS = 8;
const BATCH_SIZE = 1000;
const CUSTOMERS = 1000;
const SERVICE_PORT = 38_431;

async function seed(databaseUrl: string): Promise<BenchFixtures> {
  return onDatabase(databaseUrl, async (client) => {
    const { customerIds, meterId } = await insertBenchCustomersAndMeter(client, CUSTOMERS);
    await insertBenchUsageAlerts(client, meterId, USAGE_ALERTS, CUSTOMERS);
    return { customerIds, meterId, meterKey: 'api_calls' };
  });
}

interface Phase extends PhaseResult {
  name: string;
  storedRows: number;
}

const countRows = (databaseUrl: string) =>
  onDatabase(databaseUrl, async (client) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM usage_events')).rows[0]!.n));

/** Measures `run` on an empty usage_events table (emptied again after the warm-up, if any). */
async function phase(databaseUrl: string, name: string, run: () => Promise<PhaseResult>, warmUp?: () => Promise<void>): Promise<Phase> {
  process.stdout.write(`  ${name} …\n`);
  const truncate = () => onDatabase(databaseUrl, (client) => client.query('TRUNCATE usage_events'));
  await truncate();
  if (warmUp) {
    await warmUp();
    await truncate();
  }
  const result = await run();
  return { name, ...result, storedRows: await countRows(databaseUrl) };
}

const servicePhase = (databaseUrl: string, name: string, load: ServiceLoad) => phase(databaseUrl, name, load.measure, load.warmUp);

async function withService<T>(databaseUrl: string, apiKey: string, environment: Record<string, string>, work: (service: RunningService) => Promise<T>): Promise<T> {
  const service = await startService(databaseUrl, SERVICE_PORT, apiKey, environment);
  try {
    return await work(service);
  } finally {
    await service.stop();
  }
}

const format = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function report(phases: Phase[], machine: Record<string, string>): Record<string, number> {
  const [rawSingle, rawBatch, ceiling, grouped, ungrouped, batch] = phases as [Phase, Phase, Phase, Phase, Phase, Phase];
  const ratios = {
    singleGroupCommitVsRawSingle: grouped.eventsPerSecond / rawSingle.eventsPerSecond,
    singleWithoutGroupCommitVsRawSingle: ungrouped.eventsPerSecond / rawSingle.eventsPerSecond,
    batchVsRawBatch: batch.eventsPerSecond / rawBatch.eventsPerSecond,
    httpCeilingVsRawSingle: ceiling.eventsPerSecond / rawSingle.eventsPerSecond,
    singleGroupCommitVsHttpCeiling: grouped.eventsPerSecond / ceiling.eventsPerSecond,
  };
  const ratio = (value: number) => `${format(value, 2)}×`;
  const lines = [
    '',
    `Meterbridge ingest bench — ${machine.postgres}, ${machine.cpus} CPUs shared by PostgreSQL, the service and the load generator, synchronous_commit=${machine.synchronousCommit}, ${machine.usageAlerts} usage alerts, load average ${machine.loadAverage} at start`,
    `${'phase'.padEnd(72)}${'events/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'rows'.padStart(10)}${'service µs/req'.padStart(16)}`,
    ...phases.map((p) => `${p.name.padEnd(72)}${format(p.eventsPerSecond).padStart(10)}${format(p.p50, 1).padStart(9)}${format(p.p99, 1).padStart(9)}${format(p.storedRows).padStart(10)}${(p.serviceCpuMicrosPerRequest === undefined ? '' : format(p.serviceCpuMicrosPerRequest)).padStart(16)}`),
    '',
    `single, group commit    / raw single-row: ${ratio(ratios.singleGroupCommitVsRawSingle)} (target ≥ 1.0×)`,
    `single, no group commit / raw single-row: ${ratio(ratios.singleWithoutGroupCommitVsRawSingle)}`,
    `batch of ${BATCH_SIZE}           / raw batch:      ${ratio(ratios.batchVsRawBatch)} (target ≥ 1.0×)`,
    `HTTP stack alone        / raw single-row: ${ratio(ratios.httpCeilingVsRawSingle)} (the most any HTTP route could reach here)`,
    `single, group commit    / HTTP stack alone: ${ratio(ratios.singleGroupCommitVsHttpCeiling)} (target ≥ 0.7×)`,
    'latency: per statement for raw phases, per HTTP request for service phases (a batch request carries 1000 events);',
    'service µs/req: CPU of the service process (user + system) per answered request during the measured phase;',
    'rows: usage_events rows after the phase (service phases may also include requests still in flight when the load stopped)',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return ratios;
}

async function main(): Promise<void> {
  const databaseName = `meterbridge_bench_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const apiKey = generateApiKeyToken().token;
  try {
    const machine = await onDatabase(databaseUrl, async (client) => ({
      postgres: (await client.query<{ v: string }>(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0]!.v,
      synchronousCommit: (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit,
      cpus: String(cpus().length),
      loadAverage: loadavg().map((value) => value.toFixed(2)).join(' '),
      usageAlerts: String(USAGE_ALERTS),
    }));
    process.stdout.write(`database ${databaseName}: migrating through the service, then seeding ${CUSTOMERS} customers\n`);
    const phases: Phase[] = [];
    let fixtures: BenchFixtures | undefined;
    await withService(databaseUrl, apiKey, {}, async () => {
      fixtures = await seed(databaseUrl);
    });
    const seeded = fixtures!;
    phases.push(await phase(databaseUrl, `raw single-row INSERT … ON CONFLICT (${RAW_SINGLE_CLIENTS} clients)`, () => rawSingleInserts(databaseUrl, seeded, RAW_SINGLE_CLIENTS, SECONDS)));
    phases.push(await phase(databaseUrl, `raw ${BATCH_SIZE}-row INSERT … ON CONFLICT (${RAW_BATCH_CLIENTS} clients)`, () => rawBatchInserts(databaseUrl, seeded, RAW_BATCH_CLIENTS, SECONDS, BATCH_SIZE)));
    const single = { path: '/v1/usage', connections: HTTP_SINGLE_CONNECTIONS, seconds: SECONDS, eventsPerRequest: 1 };
    await withService(databaseUrl, apiKey, {}, async (service) => {
      const ceiling = { path: '/health/live', method: 'GET' as const, connections: HTTP_SINGLE_CONNECTIONS, seconds: Math.ceil(SECONDS / 2), eventsPerRequest: 1 };
      phases.push(await servicePhase(databaseUrl, `GET /health/live: HTTP stack alone, no auth, no DB (${HTTP_SINGLE_CONNECTIONS} conn.)`, serviceLoad(service, ceiling)));
      phases.push(await servicePhase(databaseUrl, `POST /v1/usage, group commit 2 ms (${HTTP_SINGLE_CONNECTIONS} connections)`, serviceLoad(service, { ...single, body: singleEvent(seeded, 'grouped') })));
    });
    await withService(databaseUrl, apiKey, { USAGE_GROUP_COMMIT_MAX_WAIT_MS: '0' }, async (service) => {
      phases.push(await servicePhase(databaseUrl, `POST /v1/usage, no group commit (${HTTP_SINGLE_CONNECTIONS} connections)`, serviceLoad(service, { ...single, body: singleEvent(seeded, 'alone') })));
    });
    await withService(databaseUrl, apiKey, {}, async (service) => {
      const batch = { path: '/v1/usage/batch', connections: HTTP_BATCH_CONNECTIONS, seconds: SECONDS, eventsPerRequest: BATCH_SIZE, body: eventBatch(seeded, BATCH_SIZE) };
      phases.push(await servicePhase(databaseUrl, `POST /v1/usage/batch ×${BATCH_SIZE} (${HTTP_BATCH_CONNECTIONS} connections)`, serviceLoad(service, batch)));
    });
    const ratios = report(phases, machine);
    const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `ingest-${new Date().toISOString().slice(0, 10)}${USAGE_ALERTS ? `-${USAGE_ALERTS}-alerts` : ''}.json`);
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, secondsPerPhase: SECONDS, phases, ratios }, null, 2)}\n`);
    process.stdout.write(`results written to ${file}; load average ${loadavg().map((value) => value.toFixed(2)).join(' ')} at the end\n`);
  } finally {
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
