import fc from 'fast-check';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { STRIPE_EMULATOR } from '../../src/stripe/stripe.constants';
import type { FuzzRequest, FuzzResponse, FuzzSend } from './fuzz-client';
import type { TestApp } from './test-app';

/**
 * The properties every fuzzed request must keep (docs/architecture.md, correctness rule 6): no 5xx, every 4xx in
 * the error JSON shape, and a 4xx stores nothing, neither in PostgreSQL nor in Stripe (the emulator).
 */

/** A counterexample may hold a 2 MB body: long runs of one character are counted, long lines cut. */
function abridged(report: string): string {
  return report
    .replace(/(.)\1{63,}/gs, (run, character: string) => `${character.repeat(8)}…(${run.length}×)`)
    .split('\n')
    .map((line) => (line.length > 4000 ? `${line.slice(0, 3000)} …(${line.length - 3500} characters)… ${line.slice(-500)}` : line))
    .join('\n');
}

/** Runs per property: FUZZ_RUNS raises it for a longer hunt (`FUZZ_RUNS=500 npm test -- test/fuzz`); FUZZ_SEED replays one. */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const runs = Number(process.env.FUZZ_RUNS);
  const seed = Number(process.env.FUZZ_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(Number.isInteger(seed) ? { seed } : {}),
    asyncReporter: async (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance instanceof Error ? `\n\nCause: ${details.errorInstance.message}` : '';
      throw new Error(abridged(`${(await fc.asyncDefaultReportMessage(details)) ?? 'property failed'}${cause}`));
    },
  };
}

/** The tables rule 6 of docs/architecture.md protects; the snapshot counts every table of the schema, these and any added later. */
const REQUIRED_TABLES = ['customers', 'meters', 'subscriptions', 'subscription_items', 'billing_periods', 'usage_events', 'usage_reports', 'webhook_events', 'api_keys'];

export interface StoredState {
  rows: Record<string, number>;
  stripe: Record<string, number>;
}

export interface StateProbe {
  tables: string[];
  snapshot(): Promise<StoredState>;
  /** Keys added to or removed from a built-in prototype since the probe was made (a polluting merge of `__proto__`). */
  prototypeChanges(): string[];
}

const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };

const prototypeKeys = () => Object.entries(PROTOTYPES).flatMap(([name, prototype]) => Reflect.ownKeys(prototype).map((key) => `${name}.prototype.${String(key)}`));

function emulatorCounts(emulator: StripeEmulator): Record<string, number> {
  const { state } = emulator;
  const { billing } = state;
  return {
    customers: state.customers.size,
    products: state.products.size,
    prices: state.prices.size,
    meters: state.meters.size,
    meterEvents: state.meterEvents.size,
    meterEventSessions: state.meterEventSessions.size,
    testClocks: state.clocks.store.size,
    v2Events: state.v2Events.store.size,
    subscriptions: billing.subscriptions.size,
    invoices: billing.invoices.size,
    events: billing.events.size,
    webhookEndpoints: billing.webhookEndpoints.size,
    eventDestinations: billing.eventDestinations.size,
  };
}

/** Row counts of every application table and object counts of the in-process Stripe emulator. */
export async function stateProbe(testApp: TestApp): Promise<StateProbe> {
  const emulator = testApp.app.get<StripeEmulator | null>(STRIPE_EMULATOR);
  if (!emulator) throw new Error('the fuzz suites need the in-process Stripe emulator (no STRIPE_SECRET_KEY)');
  const rows = await testApp.sql<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations' order by table_name",
  );
  const tables = rows.map((row) => row.table_name);
  const missing = REQUIRED_TABLES.filter((table) => !tables.includes(table));
  if (missing.length > 0) throw new Error(`tables the fuzz suite must watch are gone: ${missing.join(', ')}`);
  const countQuery = tables.map((table) => `select '${table}' as name, count(*)::int as count from "${table}"`).join(' union all ');
  const pristine = prototypeKeys();
  return {
    tables,
    prototypeChanges: () => {
      const now = prototypeKeys();
      return [...now.filter((key) => !pristine.includes(key)), ...pristine.filter((key) => !now.includes(key)).map((key) => `${key} removed`)];
    },
    snapshot: async () => ({
      rows: Object.fromEntries((await testApp.sql<{ name: string; count: number }>(countQuery)).map((row) => [row.name, row.count])),
      stripe: emulatorCounts(emulator),
    }),
  };
}

const describeRequest = ({ method, path, headers, body }: FuzzRequest) =>
  JSON.stringify({ method, path: path.slice(0, 300), headers, body: typeof body === 'string' ? body.slice(0, 500) : body });

/** The console answers a browser (one that accepts HTML) with pages, its refusals included (docs/console.md). */
const isConsolePageFor = (request: FuzzRequest, response: FuzzResponse) =>
  request.path.startsWith('/console') && String(response.headers['content-type'] ?? '').startsWith('text/html') && /text\/html/.test(String(request.headers?.accept ?? ''));

/** Properties 1 and 2: never a 5xx; a 4xx carries {statusCode, error, message}, unless it is a console page for a browser. */
export function expectHandled(request: FuzzRequest, response: FuzzResponse): void {
  const context = `${describeRequest(request)} → ${response.status} ${response.text.slice(0, 500)}`;
  if (response.status >= 500) throw new Error(`5xx for a client's input: ${context}`);
  if (response.status < 400 || isConsolePageFor(request, response)) return;
  const body = response.json as Record<string, unknown> | undefined;
  const shaped =
    typeof body === 'object' && body !== null && body.statusCode === response.status &&
    typeof body.error === 'string' && body.error.length > 0 && typeof body.message === 'string' && body.message.length > 0;
  if (!shaped) throw new Error(`a ${response.status} without the SPEC error shape {statusCode, error, message}: ${context}`);
}

/** Property 3: what a refused request left behind, table by table and Stripe object by object (empty: nothing). */
export function storedChanges(before: StoredState, after: StoredState): string[] {
  const changed = (kind: string, from: Record<string, number>, to: Record<string, number>) =>
    Object.keys(to).filter((name) => from[name] !== to[name]).map((name) => `${kind} ${name}: ${from[name]} → ${to[name]}`);
  return [...changed('table', before.rows, after.rows), ...changed('stripe', before.stripe, after.stripe)];
}

/**
 * Sends one request and checks all three properties. Anything a 2xx changed is the new baseline,
 * so the snapshot is taken before every request.
 */
export async function sendChecked(send: FuzzSend, probe: StateProbe, request: FuzzRequest): Promise<FuzzResponse> {
  const before = await probe.snapshot();
  const response = await send(request);
  expectHandled(request, response);
  if (response.status >= 400) {
    const changes = storedChanges(before, await probe.snapshot());
    if (changes.length > 0) throw new Error(`a ${response.status} stored something (${changes.join('; ')}): ${describeRequest(request)} → ${response.text.slice(0, 300)}`);
  }
  return response;
}

/** Property 1's other half: after a run of fuzzed requests the process still serves, its prototypes untouched. */
export async function expectAlive(send: FuzzSend, probe: StateProbe): Promise<void> {
  const response = await send({ method: 'GET', path: '/health/live' });
  if (response.status !== 200) throw new Error(`/health/live answered ${response.status} after fuzzing: ${response.text.slice(0, 300)}`);
  expect(probe.prototypeChanges()).toEqual([]);
}
