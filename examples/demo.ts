import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import Stripe from 'stripe';
import { createApp } from '../src/app.factory.js';
import { generateApiKeyToken } from '../src/auth/api-key-token.js';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { MigrationService } from '../src/database/migration.service.js';
import { startStripeEmulator } from '@meterbridge/stripe-emulator';
import type { paths } from './generated/meterbridge-api.js';

/**
 * npm run demo — the whole product on this machine, nothing to set up: an embedded PostgreSQL, the
 * Stripe emulator, and Meterbridge. It creates meters, customers on a test clock and their
 * subscriptions, sends usage through the HTTP API, runs the reporter, advances the clock past the
 * period end (Stripe's webhooks come back to Meterbridge, which flushes the closing period), and
 * prints every invoice line next to the usage that was ingested for it. It calls Meterbridge the way
 * an internal service does: through a client typed from the OpenAPI document (`npm run
 * openapi:client` generates examples/generated/meterbridge-api.ts; openapi-fetch sends the requests).
 */

const HOUR = 3600;
const DAY = 24 * HOUR;
const CUSTOMERS = ['acme', 'globex', 'initech'];
const METERS = [
  { key: 'api_calls', displayName: 'API calls', aggregation: 'count', unitAmountDecimal: '0.05', currency: 'usd' },
  { key: 'tokens', displayName: 'Tokens', aggregation: 'sum', unitAmountDecimal: '0.002', currency: 'usd' },
  { key: 'storage_gb', displayName: 'Storage (GB)', aggregation: 'last', unitAmountDecimal: '20', currency: 'usd' },
] as const;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A period anchored a month and two days ago: it ended two days ago, so all its usage is in the past and within Stripe's 35 days. */
function periodAnchor(): number {
  const base = new Date(Date.now() - 2 * DAY * 1000);
  return Date.UTC(base.getUTCFullYear(), base.getUTCMonth() - 1, Math.min(base.getUTCDate(), 28), 9, 41, 7) / 1000;
}

/** Deterministic usage: per customer and meter, a few events spread over the last three weeks of the period. */
function usageFor(customerIndex: number, meterIndex: number, periodEnd: number): { value: number; timestamp: number }[] {
  return Array.from({ length: 12 }, (_, n) => ({ value: 1 + ((customerIndex * 7 + meterIndex * 5 + n * 3) % 40), timestamp: periodEnd - (n * 42 + 1) * HOUR - 1 }));
}

async function main(): Promise<void> {
  const dataParent = await mkdtemp(join(tmpdir(), 'meterbridge-demo-'));
  await chmod(dataParent, 0o755); // as root, PostgreSQL runs as `postgres`, which must enter the folder
  const database = await startEmbeddedPostgres({ dataDir: join(dataParent, 'pg'), port: await freePort(), database: 'demo', persistent: false });
  const emulator = await startStripeEmulator();
  const stripe = new Stripe('sk_test_demo', { host: emulator.host, port: emulator.port, protocol: 'http' });
  const port = await freePort();
  const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/stripe`, enabled_events: ['*'] });
  const adminKey = generateApiKeyToken().token;
  const config = loadAppConfig(
    {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      STRIPE_SECRET_KEY: 'sk_test_demo',
      STRIPE_API_BASE_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: endpoint.secret ?? '',
      BOOTSTRAP_ADMIN_API_KEY: adminKey,
      REPORTER_ENABLED: 'false',
      // the demo's period ended two days ago in real time: only Stripe's invoice.finalized closes it
      REPORTER_FINALIZATION_GRACE_MINUTES: '4320',
    },
    '/nonexistent/.env',
  );
  const app = await createApp(config);
  try {
    await app.get(MigrationService).migrateUnderLock();
    await app.get(ApiKeysService).ensureBootstrapKey();
    await app.listen(port, '127.0.0.1');
    await runScenario(`http://127.0.0.1:${port}`, adminKey, stripe);
  } finally {
    await app.close();
    await emulator.close();
    await database.stop();
  }
}

/** The answer's body when it is a success; an error answer (in the document's Error schema) stops the demo. */
async function succeeded<Data>(call: Promise<{ data?: Data; error?: unknown; response: Response }>): Promise<Data> {
  const { data, error, response } = await call;
  if (data === undefined) throw new Error(`${response.url}: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

async function runScenario(baseUrl: string, adminKey: string, stripe: Stripe): Promise<void> {
  const meterbridge = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminKey}` } });
  const advance = async (clockId: string, to: number) => {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    while ((await stripe.testHelpers.testClocks.retrieve(clockId)).status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 50));
  };

  const meters = await Promise.all(METERS.map((meter) => succeeded(meterbridge.POST('/v1/meters', { body: meter }))));
  const anchor = periodAnchor();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor, name: 'meterbridge demo' });
  const customers: { id: string; externalId: string; stripeCustomerId: string | null }[] = [];
  let periodEnd = 0;
  for (const externalId of CUSTOMERS) {
    const customer = await succeeded(meterbridge.POST('/v1/customers', { body: { externalId, email: `${externalId}@example.com`, testClock: clock.id } }));
    const subscription = await succeeded(meterbridge.POST('/v1/customers/{customerId}/subscriptions', { params: { path: { customerId: customer.id } }, body: {} }));
    if (!subscription.currentPeriodEnd) throw new Error(`the subscription of ${externalId} has no current period`);
    periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
    customers.push(customer);
  }
  console.log(`meters ${meters.map((meter) => meter.key).join(', ')}; customers ${CUSTOMERS.join(', ')} on test clock ${clock.id}; period ${new Date(anchor * 1000).toISOString()} → ${new Date(periodEnd * 1000).toISOString()}`);

  await advance(clock.id, periodEnd - 120);
  const ingested = new Map<string, number>();
  for (const [customerIndex, customer] of customers.entries()) {
    const events = METERS.flatMap((meter, meterIndex) =>
      usageFor(customerIndex, meterIndex, periodEnd).map((event, n) => ({ customerId: customer.id, meter: meter.key, ...event, idempotencyKey: `${meter.key}-${n}` })),
    );
    await succeeded(meterbridge.POST('/v1/usage/batch', { body: { events } }));
    for (const meter of METERS) {
      const sent = events.filter((event) => event.meter === meter.key);
      const latest = sent.reduce((last, event) => (event.timestamp > last.timestamp ? event : last));
      const expected = meter.aggregation === 'count' ? sent.length : meter.aggregation === 'last' ? latest.value : sent.reduce((sum, event) => sum + event.value, 0);
      ingested.set(`${customer.externalId}/${meter.key}`, expected);
    }
  }
  const run = await succeeded(meterbridge.POST('/v1/reporting/runs'));
  console.log(`reporter: ${run.claimedEvents} events claimed, ${run.sent} meter events sent to Stripe`);

  await advance(clock.id, periodEnd + 60);
  // each customer's invoice.created reaches Meterbridge, which flushes the closing period before Stripe finalizes it
  const processed = () => succeeded(meterbridge.GET('/v1/webhooks/events', { params: { query: { status: 'processed', limit: 500 } } }));
  const flushed = async () => (await processed()).data.filter((event) => event.type === 'invoice.created').length;
  while ((await flushed()) < customers.length) await new Promise((resolve) => setTimeout(resolve, 100));
  await advance(clock.id, periodEnd + HOUR + 120);

  console.log('\ncustomer   meter        ingested   invoiced   amount (cents)   match');
  let mismatches = 0;
  for (const customer of customers) {
    const invoices = await stripe.invoices.list({ customer: customer.stripeCustomerId ?? undefined, limit: 100 });
    const invoice = invoices.data.find((candidate) => candidate.period_end === periodEnd && candidate.billing_reason === 'subscription_cycle');
    for (const meter of meters) {
      const line = invoice?.lines.data.find((candidate) => {
        const price = candidate.pricing?.price_details?.price;
        return (typeof price === 'string' ? price : price?.id) === meter.stripePriceId;
      });
      const expected = ingested.get(`${customer.externalId}/${meter.key}`) ?? 0;
      const match = line?.quantity === expected;
      if (!match) mismatches += 1;
      console.log(`${customer.externalId.padEnd(10)} ${meter.key.padEnd(12)} ${String(expected).padStart(8)} ${String(line?.quantity ?? '-').padStart(10)} ${String(line?.amount ?? '-').padStart(16)}   ${match ? 'yes' : 'NO'}`);
    }
  }
  console.log(mismatches === 0 ? '\nEvery invoice line equals the usage ingested for its period.' : `\n${mismatches} line(s) differ from the ingested usage.`);
  if (mismatches > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
