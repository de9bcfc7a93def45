import { BENCH_SERVER_URL, insertBenchCustomersAndMeter, insertBenchUsageAlerts, loadAverage, onDatabase, writeBenchResults } from './bench-database.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';
import type { BenchFixtures } from './ingest-baseline.js';
import { eventBatch, serviceLoad, singleEvent, startService, type LoadOptions } from './ingest-service.js';

/**
 * npm run bench:alerts-ab — what the usage alert evaluator costs ingestion, measured so that the
 * machine's drift cannot pass for it. One database with 1,000 usage alerts; the service is started
 * alternately with the evaluator off and on (USAGE_ALERTS_ENABLED), in the order off-on-on-off per
 * pair of rounds, and each start measures POST /v1/usage and POST /v1/usage/batch on an empty
 * usage_events table. The ingest path itself never reads alerts, so the only difference between
 * the two is the evaluator running beside it. Each round's ratio (on ÷ off, next to each other in
 * time) and their median are printed. BENCH_AB_ROUNDS (default 4) rounds of BENCH_SECONDS (default 8).
 */

const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const USAGE_ALERTS = 1000;
const CUSTOMERS = 1000;
const SERVICE_PORT = 38_433;

type Route = 'single' | 'batch';
type Measured = Record<Route, number>;

const loads = (fixtures: BenchFixtures, prefix: string): Record<Route, LoadOptions> => ({
  single: { path: '/v1/usage', connections: 64, seconds: SECONDS, eventsPerRequest: 1, body: singleEvent(fixtures, prefix) },
  batch: { path: '/v1/usage/batch', connections: 8, seconds: SECONDS, eventsPerRequest: 1000, body: eventBatch(fixtures, 1000) },
});

/** Events per second of each route, on a service started with the evaluator on or off. */
async function measure(databaseUrl: string, apiKey: string, fixtures: BenchFixtures, evaluator: boolean, prefix: string): Promise<Measured> {
  const service = await startService(databaseUrl, SERVICE_PORT, apiKey, { USAGE_ALERTS_ENABLED: String(evaluator), RETENTION_ENABLED: 'false' });
  try {
    const result: Partial<Measured> = {};
    for (const [route, options] of Object.entries(loads(fixtures, prefix)) as Array<[Route, LoadOptions]>) {
      await onDatabase(databaseUrl, (client) => client.query('TRUNCATE usage_events'));
      const load = serviceLoad(service, options);
      await load.warmUp();
      result[route] = (await load.measure()).eventsPerSecond;
    }
    return result as Measured;
  } finally {
    await service.stop();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const format = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const databaseName = `meterbridge_bench_ab_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(BENCH_SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(BENCH_SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const apiKey = generateApiKeyToken().token;
  const startLoad = loadAverage();
  try {
    // the first start migrates the database; the fixtures go in once it has
    const migrating = await startService(databaseUrl, SERVICE_PORT, apiKey, { USAGE_ALERTS_ENABLED: 'false' });
    await migrating.stop();
    const fixtures = await onDatabase(databaseUrl, async (client) => {
      const { customerIds, meterId } = await insertBenchCustomersAndMeter(client, CUSTOMERS);
      await insertBenchUsageAlerts(client, meterId, USAGE_ALERTS, CUSTOMERS);
      return { customerIds, meterId, meterKey: 'api_calls' };
    });
    const rounds: Array<{ off: Measured; on: Measured; loadAverage: string }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      const measured = new Map<boolean, Measured>();
      for (const evaluator of order) measured.set(evaluator, await measure(databaseUrl, apiKey, fixtures, evaluator, `r${round}-${evaluator}`));
      rounds.push({ off: measured.get(false)!, on: measured.get(true)!, loadAverage: loadAverage() });
      process.stdout.write(`  round ${round + 1}/${ROUNDS} done (load average ${loadAverage()})\n`);
    }
    const ratios = (route: Route) => rounds.map((r) => r.on[route] / r.off[route]);
    const lines = [
      '',
      `Usage alert evaluator A/B — ${USAGE_ALERTS} usage alerts, ${ROUNDS} rounds of ${SECONDS} s per route, load average ${startLoad} at start`,
      `${'round'.padEnd(8)}${'single off'.padStart(12)}${'single on'.padStart(12)}${'on/off'.padStart(9)}${'batch off'.padStart(12)}${'batch on'.padStart(12)}${'on/off'.padStart(9)}   load average`,
      ...rounds.map((r, index) =>
        `${String(index + 1).padEnd(8)}${format(r.off.single).padStart(12)}${format(r.on.single).padStart(12)}${format(r.on.single / r.off.single, 3).padStart(9)}${format(r.off.batch).padStart(12)}${format(r.on.batch).padStart(12)}${format(r.on.batch / r.off.batch, 3).padStart(9)}   ${r.loadAverage}`,
      ),
      '',
      `median on/off: single ${format(median(ratios('single')), 3)}, batch ${format(median(ratios('batch')), 3)} (issue 17's bound: ≥ 0.95)`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    const file = writeBenchResults('ingest-alerts-ab', { date: new Date().toISOString(), usageAlerts: USAGE_ALERTS, secondsPerRoute: SECONDS, rounds, medianOnOff: { single: median(ratios('single')), batch: median(ratios('batch')) } });
    process.stdout.write(`results written to ${file}; load average ${loadAverage()} at the end\n`);
  } finally {
    await onDatabase(BENCH_SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
