import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { generateApiKeyToken } from '../../src/auth/api-key-token';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
import { freePort } from '../support/free-port';
import { buildService, type ServiceBuild } from '../support/service-process';
import { closeUsagePeriods, FINALIZATION_GRACE_SECONDS, invoiceVerificationProblems, setUpBilling, type AdminAccess } from './billing-setup';
import { ChaosApp, type AppExit } from './chaos-apps';
import { startChaosDatabase, type ChaosDatabase } from './chaos-database';
import { ChaosMonkey } from './chaos-monkey';
import type { ChaosOptions } from './chaos-options';
import { billingLayout, planChaos, planEvents } from './chaos-plan';
import { formatSummary } from './chaos-summary';
import { reportUntilDrained, reporterActivity } from './final-report';
import { CorrectionClients } from './correction-clients';
import { compareLedgers, driftTable, type LedgerRow } from './ledger-check';
import { SeededRandom } from './seeded-random';
import { UsageClients } from './usage-clients';
import { startWebhookForwarder, type WebhookForwarder } from './webhook-forwarder';

export interface ChaosResult {
  passed: boolean;
  summary: string;
  drift: LedgerRow[];
  problems: string[];
  /** App and PostgreSQL logs; kept when the run failed. */
  runDir: string;
}

const STRIPE_KEY = 'sk_test_chaos';

/** The apps as production runs them, with a reporter beat of two seconds and Stripe timeouts short enough for hangs to matter. */
function appEnvironment(options: ChaosOptions, databaseUrl: string, emulatorUrl: string, webhookSecret: string, adminKey: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    BOOTSTRAP_ADMIN_API_KEY: adminKey,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE_URL: emulatorUrl,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_SUPPRESS_NOTICES: 'true',
    STRIPE_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'warn',
    REPORTER_CRON: '*/2 * * * * *',
    // the first usage period ended 36 hours ago: it stays open for Meterbridge until its invoice is finalized
    REPORTER_FINALIZATION_GRACE_MINUTES: '4320',
    REPORTER_RETRY_BASE_MS: '50',
    REPORTER_USE_V2_STREAM: String(options.useV2Stream),
    RECONCILIATION_ENABLED: 'false',
    RATE_LIMIT_DEFAULT_PER_MINUTE: '1000000',
    RATE_LIMIT_USAGE_WRITE_PER_MINUTE: '1000000',
    WEBHOOK_RETRY_BASE_SECONDS: '1',
    WEBHOOK_RETRY_SWEEP_SECONDS: '1',
    SHUTDOWN_GRACE_MS: '2000',
    // a draft open while usage still arrives is re-checked until it agrees; never decided within a run
    INVOICE_VERIFICATION_POLL_MS: '200',
    INVOICE_VERIFICATION_RECHECK_BASE_MS: '500',
    INVOICE_VERIFICATION_RECHECK_MAX_MS: '10000',
    INVOICE_VERIFICATION_MAX_CHECKS: '100',
  };
}

type Cleanups = (() => Promise<unknown> | void)[];

interface Fleet {
  database: ChaosDatabase;
  emulator: StripeEmulator;
  stripe: Stripe;
  apps: ChaosApp[];
  forwarder: WebhookForwarder;
  admin: AdminAccess;
}

/** PostgreSQL, the emulator with a webhook endpoint at the forwarder, and the apps, all ready; each registers its cleanup. */
async function startFleet(options: ChaosOptions, build: ServiceBuild, runDir: string, onCrash: (exit: AppExit) => void, cleanups: Cleanups): Promise<Fleet> {
  const database = await startChaosDatabase(runDir);
  cleanups.push(() => database.stop());
  const emulator = await startStripeEmulator();
  cleanups.push(() => emulator.close());
  emulator.state.billing.finalizationGraceSeconds = FINALIZATION_GRACE_SECONDS;
  const stripe = new Stripe(STRIPE_KEY, { host: emulator.host, port: emulator.port, protocol: 'http' });
  const apps: ChaosApp[] = [];
  const forwarder = await startWebhookForwarder(() => apps.map((app) => app.baseUrl));
  cleanups.push(() => forwarder.close());
  const endpoint = await stripe.webhookEndpoints.create({ url: `${forwarder.url}/webhooks/stripe`, enabled_events: ['*'] });
  const adminKey = generateApiKeyToken().token;
  const env = appEnvironment(options, database.url, emulator.url, endpoint.secret as string, adminKey);
  for (let index = 0; index < options.apps; index += 1) apps.push(new ChaosApp(index, await freePort(), build, env, runDir, onCrash));
  cleanups.push(() => Promise.all(apps.map((app) => app.stop())));
  await Promise.all(apps.map((app) => app.start()));
  return { database, emulator, stripe, apps, forwarder, admin: { baseUrl: apps[0]!.baseUrl, adminKey } };
}

/** Everything besides drift that fails the run: crashes, a harness action that failed, answers no correct service gives, events never acknowledged. */
function runProblems(crashes: AppExit[], monkey: ChaosMonkey, clients: UsageClients, corrections: CorrectionClients): string[] {
  const unacknowledged = clients.unacknowledged;
  return [
    ...corrections.unexpected,
    ...corrections.unacknowledged.map((correction) => `${correction}: never acknowledged`),
    ...crashes.map((crash) => `app ${crash.app} exited by itself (code ${crash.code}, signal ${crash.signal}):\n${crash.tail}`),
    ...monkey.problems,
    ...clients.unexpected.slice(0, 20),
    ...(clients.unexpected.length > 20 ? [`… and ${clients.unexpected.length - 20} more unexpected answers`] : []),
    ...(unacknowledged.length > 0 ? [`${unacknowledged.length} events never acknowledged, e.g. ${unacknowledged.slice(0, 5).map((event) => event.idempotencyKey).join(', ')}`] : []),
  ];
}

function details(drift: LedgerRow[], problems: string[], runDir: string): string[] {
  if (drift.length === 0 && problems.length === 0) return [];
  return [
    ...(drift.length > 0 ? ['', 'Drift (every customer × meter × period whose counts differ):', driftTable(drift)] : []),
    ...(problems.length > 0 ? ['', 'Problems:', ...problems.map((problem) => `  - ${problem}`)] : []),
    '',
    `Logs kept in ${runDir}`,
  ];
}

/**
 * One chaos run, start to finish: its own PostgreSQL, a Stripe emulator, the compiled service as
 * `options.apps` processes; billing set up through the API; then the known usage stream from the
 * client workers while the monkey kills apps, fails Stripe requests and restarts PostgreSQL; then
 * calm: a final report, the test clocks past the periods' end and grace, and the four-way count
 * of every customer × meter × period. Everything started here is stopped here, pass or fail.
 */
export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosResult> {
  const durations: [string, number][] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      durations.push([name, Date.now() - started]);
    }
  };
  const cleanups: Cleanups = [];
  const runDir = mkdtempSync(join(tmpdir(), 'meterbridge-chaos-'));
  // as root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder
  chmodSync(runDir, 0o755);
  const random = new SeededRandom(options.seed);
  const crashes: AppExit[] = [];
  let passed = false;
  log(`chaos run: seed ${options.seed} (replay with CHAOS_SEED=${options.seed}), logs in ${runDir}`);
  try {
    const build = await phase('build', async () => buildService());
    cleanups.push(() => build.remove());
    const { database, emulator, stripe, apps, forwarder, admin } = await phase('start', () => startFleet(options, build, runDir, (exit) => crashes.push(exit), cleanups));
    const layout = billingLayout(Math.floor(Date.now() / 1000));
    const catalogue = await phase('setup', () => setUpBilling(admin, stripe, database, layout, options.customers));
    const events = planEvents(options, catalogue.meters.length, layout, random.fork(1));
    const clients = new UsageClients(events, catalogue, apps, options.workers);
    const faultPath = options.useV2Stream ? '/v2/billing/meter_event' : '/v1/billing/meter_events';
    const monkey = new ChaosMonkey(planChaos(options, random.fork(2)), apps, emulator.faults, database, admin.adminKey, faultPath, log);
    const chaosStarted = Date.now();
    const sending = clients.run(random.fork(3), chaosStarted + (options.chaosSeconds + options.settleSeconds) * 1000);
    const corrections = new CorrectionClients(catalogue, apps, clients, options.seed);
    const correcting = corrections.run(random.fork(4), chaosStarted + options.chaosSeconds * 1000, chaosStarted + (options.chaosSeconds + options.settleSeconds) * 1000);
    await phase('chaos', async () => {
      await monkey.run(chaosStarted);
      await monkey.settle();
    });
    await phase('settle', async () => {
      await Promise.all(apps.filter((app) => app.state === 'down').map((app) => app.start()));
      await sending;
      await correcting;
    });
    log(`chaos over: ${clients.acknowledged.size} of ${events.length} events acknowledged; final report`);
    const drained = await phase('final report', () => reportUntilDrained(admin));
    const closing = await phase('billing close', () => closeUsagePeriods(stripe, database, catalogue, layout.usagePeriods).then(() => [], (error: unknown) => [`closing the periods: ${String(error)}`]));
    const verified = await phase('invoice verification', () => invoiceVerificationProblems(database, catalogue.customers.length * layout.usagePeriods.length));
    const comparison = await phase('compare', () => compareLedgers(clients.acknowledged.values(), corrections.corrected, catalogue, layout.usagePeriods, database, stripe));
    const problems = [...runProblems(crashes, monkey, clients, corrections), ...drained.problems, ...closing, ...verified, ...comparison.problems];
    passed = comparison.drift.length === 0 && problems.length === 0;
    const summary = formatSummary({
      options,
      meters: catalogue.meters.length,
      periods: layout.usagePeriods.length,
      clients: clients.stats,
      corrections: corrections.stats,
      acknowledged: clients.acknowledged.size,
      unacknowledged: clients.unacknowledged.length,
      monkey: monkey.stats,
      restarts: apps.reduce((sum, app) => sum + app.starts, 0),
      failedStarts: apps.reduce((sum, app) => sum + app.failedStarts, 0),
      crashes: crashes.length,
      reporter: await reporterActivity(database),
      finalReportRuns: drained.runs,
      webhooksForwarded: forwarder.forwarded,
      rows: comparison.rows,
      drift: comparison.drift.length,
      problems: problems.length,
      durations,
    });
    return { passed, summary: [summary, ...details(comparison.drift, problems, runDir)].join('\n'), drift: comparison.drift, problems, runDir };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error: unknown) => log(`cleanup: ${String(error)}`));
    // a failed run keeps its logs
    if (passed) rmSync(runDir, { recursive: true, force: true });
  }
}
