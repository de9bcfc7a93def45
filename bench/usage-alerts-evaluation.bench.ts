import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.factory.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { MigrationService } from '../src/database/migration.service.js';
import { NativeSql } from '../src/database/native-sql.js';
import type { SqlQuery } from '../src/database/transaction-watermark.js';
import { UsageAlertEvaluator } from '../src/notifications/usage-alert.evaluator.js';
import { onDatabase } from './bench-database.js';

/**
 * npm run bench:alerts — what one pass of the usage alert evaluator costs PostgreSQL as the period's
 * usage grows, measured in a way the machine's load barely moves: every statement of a pass is
 * first run under EXPLAIN (ANALYZE, BUFFERS) in a savepoint that is rolled back, and the pass's
 * buffers (shared pages hit or read) and execution time are summed. Each round inserts
 * BENCH_EVENTS_PER_ROUND events (default 100,000: two seconds of batch ingest) spread over 1,000
 * customers, each with a usage alert, then runs one pass; BENCH_ROUNDS rounds (default 10).
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS_PER_ROUND ?? 100_000);
const CUSTOMERS = 1000;

interface Explained {
  'Execution Time': number;
  Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number };
}

interface PassCost {
  /** Each statement's first words, execution time and buffers. */
  detail: Array<[string, number, number]>;
  statements: number;
  executionMs: number;
  buffers: number;
}

/** Wraps a transaction's query so that each statement is explained (and undone) before it runs for real. */
function explaining(query: SqlQuery, cost: PassCost): SqlQuery {
  return async <R>(text: string, values?: unknown[]) => {
    if (!/^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(text)) return query<R>(text, values);
    await query('SAVEPOINT bench_explain');
    const [row] = await query<{ 'QUERY PLAN': Explained[] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
    await query('ROLLBACK TO SAVEPOINT bench_explain');
    const [plan] = row!['QUERY PLAN'];
    const buffers = plan!.Plan['Shared Hit Blocks'] + plan!.Plan['Shared Read Blocks'];
    cost.detail.push([text.replace(/\s+/g, ' ').trim().slice(0, 60), plan!['Execution Time'], buffers]);
    cost.statements += 1;
    cost.executionMs += plan!['Execution Time'];
    cost.buffers += buffers;
    return query<R>(text, values);
  };
}

async function seed(databaseUrl: string): Promise<{ meterId: string }> {
  return onDatabase(databaseUrl, async (client) => {
    await client.query(`INSERT INTO customers (external_id, email) SELECT 'bench-' || n, 'bench-' || n || '@example.com' FROM generate_series(1, $1::int) n`, [CUSTOMERS]);
    const meter = await client.query<{ id: string }>(
      `INSERT INTO meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) VALUES ('api_calls', 'API calls', 'sum', 'mb_api_calls', 0.5, 'usd') RETURNING id`,
    );
    await client.query(
      `INSERT INTO usage_alerts (name, meter_id, customer_id, threshold) SELECT 'bench ' || c.external_id, $1, c.id, 1000000 FROM customers c`,
      [meter.rows[0]!.id],
    );
    return { meterId: meter.rows[0]!.id };
  });
}

const insertRound = (databaseUrl: string, meterId: string, round: number) =>
  onDatabase(databaseUrl, (client) =>
    client.query(
      `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time)
       SELECT c.id, $1, 'r' || $2::int || '-' || n, 1, now() - interval '1 minute'
       FROM generate_series(1, $3::int) n JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM customers) c ON c.rn = n % $4::int + 1`,
      [meterId, round, EVENTS_PER_ROUND, CUSTOMERS],
    ),
  );

async function main(): Promise<void> {
  const databaseName = `meterbridge_alerts_bench_${Date.now()}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  await onDatabase(SERVER_URL, (client) => client.query(`CREATE DATABASE ${databaseName}`));
  const config = loadAppConfig(
    {
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      STRIPE_SUPPRESS_NOTICES: 'true',
      USAGE_ALERTS_ENABLED: 'false',
      NOTIFICATION_DELIVERY_ENABLED: 'false',
      REPORTER_ENABLED: 'false',
      RECONCILIATION_ENABLED: 'false',
    },
    '/nonexistent/.env',
  );
  const app = await createApp(config);
  try {
    await app.get(MigrationService).migrateUnderLock();
    await app.init();
    const { meterId } = await seed(databaseUrl);
    // every module's NativeSql: the evaluator's transactions explain each statement
    const transaction = NativeSql.prototype.transaction;
    let cost: PassCost = { detail: [], statements: 0, executionMs: 0, buffers: 0 };
    NativeSql.prototype.transaction = function <T>(this: NativeSql, work: (query: SqlQuery) => Promise<T>): Promise<T> {
      return transaction.call(this, (query) => work(explaining(query, cost))) as Promise<T>;
    };
    process.stdout.write(`${'round'.padStart(5)}${'events'.padStart(11)}${'pairs'.padStart(7)}${'stmts'.padStart(7)}${'exec ms'.padStart(10)}${'buffers'.padStart(10)}${'wall ms'.padStart(10)}\n`);
    const totals: PassCost = { detail: [], statements: 0, executionMs: 0, buffers: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      await insertRound(databaseUrl, meterId, round);
      cost = { detail: [], statements: 0, executionMs: 0, buffers: 0 };
      const started = performance.now();
      const summary = await app.get(UsageAlertEvaluator).evaluate();
      const wall = performance.now() - started;
      totals.executionMs += cost.executionMs;
      totals.buffers += cost.buffers;
      process.stdout.write(
        `${String(round).padStart(5)}${String(round * EVENTS_PER_ROUND).padStart(11)}${String(summary.pairs).padStart(7)}${String(cost.statements).padStart(7)}${cost.executionMs.toFixed(1).padStart(10)}${String(cost.buffers).padStart(10)}${wall.toFixed(0).padStart(10)}\n`,
      );
    }
    process.stdout.write(`the last pass, statement by statement:\n${cost.detail.map(([text, ms, buffers]) => `  ${ms.toFixed(1).padStart(8)} ms ${String(buffers).padStart(7)} buffers  ${text}`).join('\n')}\n`);
    const events = ROUNDS * EVENTS_PER_ROUND;
    process.stdout.write(
      `per evaluated event: ${((totals.executionMs * 1000) / events).toFixed(2)} µs of statement execution, ${(totals.buffers / events).toFixed(3)} buffers (${ROUNDS} passes over ${events} events)\n`,
    );
  } finally {
    await app.close();
    await onDatabase(SERVER_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
