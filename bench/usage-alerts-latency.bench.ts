import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { onDatabase } from './bench-database.js';
import { percentile } from './ingest-baseline.js';
import { startService, type RunningService } from './ingest-service.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';

/**
 * npm run bench:alerts-latency — how long after the ingest answer a usage.threshold_crossed
 * notification reaches its receiver, with the production defaults (evaluation every 2 s, deliverer
 * poll every second). The service runs as in production (its own process); a receiver in this
 * process takes the notifications. BENCH_SAMPLES customers (default 60) each send one event that
 * crosses an alert of threshold 1, at random moments relative to the service's timers.
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
const SERVICE_PORT = 38_432;

interface Crossing {
  data: { customerId: string };
}

async function seed(databaseUrl: string): Promise<string[]> {
  return onDatabase(databaseUrl, async (client) => {
    await client.query(`INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('api_calls', 'API calls', 'sum', 'mb_api_calls', 0.5, 'usd')`);
    const customers = await client.query<{ id: string }>(
      `INSERT INTO customers (external_id, email) SELECT 'latency-' || n, 'latency-' || n || '@example.com' FROM generate_series(1, $1::int) n RETURNING id`,
      [SAMPLES],
    );
    return customers.rows.map((row) => row.id);
  });
}

async function call(service: RunningService, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

async function main(): Promise<void> {
  const databaseName = `meterbridge_latency_bench_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const crossing = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Crossing;
      if (!arrivals.has(crossing.data.customerId)) arrivals.set(crossing.data.customerId, performance.now());
      response.writeHead(200).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const service = await startService(databaseUrl, SERVICE_PORT, generateApiKeyToken().token, {});
  try {
    const customerIds = await seed(databaseUrl);
    await call(service, '/v1/notification-endpoints', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['usage.threshold_crossed'] });
    await call(service, '/v1/usage-alerts', { meter: 'api_calls', threshold: 1, name: 'first unit' });
    const loadAtStart = loadavg().map((value) => value.toFixed(2)).join(' ');
    const answered = new Map<string, number>();
    for (const [index, customerId] of customerIds.entries()) {
      await call(service, '/v1/usage', { customerId, meter: 'api_calls', value: 1, idempotencyKey: `latency-${index}` });
      answered.set(customerId, performance.now());
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 600));
    }
    const deadline = Date.now() + 30_000;
    while (arrivals.size < customerIds.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies = customerIds.filter((id) => arrivals.has(id)).map((id) => arrivals.get(id)! - answered.get(id)!).sort((a, b) => a - b);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(
      `usage.threshold_crossed from the ingest answer to the receiver, ${latencies.length} of ${customerIds.length} samples (defaults: evaluation every 2 s, delivery poll 1 s), load average ${loadAtStart} at start, ${loadavg().map((value) => value.toFixed(2)).join(' ')} at the end\n` +
        `p50 ${seconds(percentile(latencies, 0.5))}, p99 ${seconds(percentile(latencies, 0.99))}, max ${seconds(latencies[latencies.length - 1] ?? 0)}, min ${seconds(latencies[0] ?? 0)}\n`,
    );
    // how the time splits: the evaluator's passes, and each notification's lag from its crossing to its delivery
    const metrics = (await (await fetch(`${service.url}/metrics`)).text()).split('\n');
    const mean = (histogram: string) => {
      const value = (suffix: string) => metrics.filter((line) => line.startsWith(`${histogram}_${suffix}`)).reduce((total, line) => total + Number(line.split(' ').pop()), 0);
      return `${(value('sum') / value('count')).toFixed(2)} s over ${value('count')}`;
    };
    process.stdout.write(
      `mean evaluation pass ${mean('meterbridge_usage_alert_evaluation_duration_seconds')}; mean lag from crossing to delivery ${mean('meterbridge_notification_delivery_lag_seconds')}\n`,
    );
    if (latencies.length < customerIds.length) process.exitCode = 1;
  } finally {
    await service.stop();
    receiver.close();
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
