import { performance } from 'node:perf_hooks';
import pg from 'pg';

/** The raw baseline: the same table, unique index and conflict handling as the service, written by node-postgres without it. */

export interface BenchFixtures {
  customerIds: string[];
  meterId: string;
  meterKey: string;
}

export interface PhaseResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Per statement or per HTTP request, in milliseconds. */
  p50: number;
  p99: number;
  /** Service phases: the service process's CPU (user + system) per HTTP request, in microseconds. */
  serviceCpuMicrosPerRequest?: number;
}

const SINGLE_INSERT = `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time, properties)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id`;

const BATCH_INSERT = `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time, properties)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::timestamptz[], $6::jsonb[])
ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id`;

export function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/** Runs `clients` loops of `statement` on their own connections for `seconds`; each call writes `eventsPerCall` events. */
async function runClients(databaseUrl: string, clients: number, seconds: number, eventsPerCall: number, statement: (client: pg.Client, call: number) => Promise<unknown>): Promise<PhaseResult> {
  const connections = await Promise.all(Array.from({ length: clients }, async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return client;
  }));
  const latencies: number[] = [];
  let calls = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(connections.map(async (client) => {
    while (performance.now() < deadline) {
      const before = performance.now();
      await statement(client, calls++);
      latencies.push(performance.now() - before);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(connections.map((client) => client.end()));
  latencies.sort((a, b) => a - b);
  const events = latencies.length * eventsPerCall;
  return { events, seconds: elapsed, eventsPerSecond: events / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

export function rawSingleInserts(databaseUrl: string, fixtures: BenchFixtures, clients: number, seconds: number): Promise<PhaseResult> {
  return runClients(databaseUrl, clients, seconds, 1, (client, call) =>
    client.query({
      name: 'raw-single',
      text: SINGLE_INSERT,
      values: [fixtures.customerIds[call % fixtures.customerIds.length], fixtures.meterId, `raw-single-${call}`, 1, new Date(), null],
    }),
  );
}

export function rawBatchInserts(databaseUrl: string, fixtures: BenchFixtures, clients: number, seconds: number, batchSize: number): Promise<PhaseResult> {
  return runClients(databaseUrl, clients, seconds, batchSize, (client, call) => {
    const ordinals = Array.from({ length: batchSize }, (_, index) => call * batchSize + index);
    const now = new Date();
    return client.query({
      name: 'raw-batch',
      text: BATCH_INSERT,
      values: [
        ordinals.map((ordinal) => fixtures.customerIds[ordinal % fixtures.customerIds.length]),
        ordinals.map(() => fixtures.meterId),
        ordinals.map((ordinal) => `raw-batch-${ordinal}`),
        ordinals.map(() => 1),
        ordinals.map(() => now),
        ordinals.map(() => null),
      ],
    });
  });
}
