import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { processCpuSeconds } from './capacity-probes.js';
import type { BenchFixtures, PhaseResult } from './ingest-baseline.js';

/** The service as production runs it (compiled, its own process, logs silent), under autocannon. */

export interface RunningService {
  url: string;
  /** The service's process id (CPU time is read from /proc by bench:capacity). */
  pid: number;
  apiKey: string;
  stop(): Promise<void>;
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/health/ready`).then((response) => response.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready within 30 s');
}

export async function startService(databaseUrl: string, port: number, apiKey: string, environment: Record<string, string>): Promise<RunningService> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      TZ: 'UTC',
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      BOOTSTRAP_ADMIN_API_KEY: apiKey,
      RATE_LIMIT_USAGE_WRITE_PER_MINUTE: '1000000',
      RATE_LIMIT_DEFAULT_PER_MINUTE: '1000000',
      STRIPE_SUPPRESS_NOTICES: 'true',
      // the production rate limiter (shared fixed windows in Redis, failing open when Redis is absent);
      // the in-memory fallback keeps every hit of the window and filters them per request
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      // ingestion alone is measured: the reporter's minute cron would otherwise read the table mid-phase
      REPORTER_ENABLED: 'false',
      RECONCILIATION_ENABLED: 'false',
      ...environment,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child);
  return {
    url,
    pid: child.pid!,
    apiKey,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

export interface LoadOptions {
  path: string;
  method?: 'GET' | 'POST';
  connections: number;
  seconds: number;
  eventsPerRequest: number;
  /** The JSON body of the n-th request. */
  body?(request: number): unknown;
}

export interface ServiceLoad {
  /** Two seconds of the same load (JIT, prepared statements, pool), not measured. */
  warmUp(): Promise<void>;
  measure(): Promise<PhaseResult>;
}

/** Any non-2xx answer or connection error fails the bench: the numbers are for successful requests only. */
export function serviceLoad(service: RunningService, options: LoadOptions): ServiceLoad {
  // runs on across warm-up and measurement, so that every request carries a new idempotency key
  let sent = 0;
  const body = options.body;
  const run = async (seconds: number) => {
    const result = await autocannon({
      url: `${service.url}${options.path}`,
      connections: options.connections,
      duration: seconds,
      method: options.method ?? 'POST',
      headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' },
      requests: [{ setupRequest: (request) => (body ? { ...request, body: JSON.stringify(body(sent++)) } : request) }],
    });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${options.path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return result;
  };
  return {
    warmUp: async () => {
      await run(2);
    },
    measure: async () => {
      const cpuBefore = processCpuSeconds(service.pid);
      const result = await run(options.seconds);
      const serviceCpuMicrosPerRequest = ((processCpuSeconds(service.pid) - cpuBefore) * 1e6) / result['2xx'];
      const events = result['2xx'] * options.eventsPerRequest;
      return { events, seconds: result.duration, eventsPerSecond: events / result.duration, p50: result.latency.p50, p99: result.latency.p99, serviceCpuMicrosPerRequest };
    },
  };
}

export const singleEvent = (fixtures: BenchFixtures, prefix: string) => (request: number) => ({
  customerId: fixtures.customerIds[request % fixtures.customerIds.length],
  meter: fixtures.meterKey,
  value: 1,
  idempotencyKey: `${prefix}-${request}`,
});

export const eventBatch = (fixtures: BenchFixtures, size: number) => (request: number) => ({
  events: Array.from({ length: size }, (_, index) => singleEvent(fixtures, 'batch')(request * size + index)),
});
