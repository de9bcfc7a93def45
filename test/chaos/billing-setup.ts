import type Stripe from 'stripe';
import { eventually } from '../support/eventually';
import type { ChaosDatabase } from './chaos-database';
import type { BillingLayout, Period } from './chaos-plan';
import { callService, requireSuccess } from './service-api';

export interface ChaosMeter {
  key: string;
  aggregation: 'sum' | 'count';
  id: string;
  stripeMeterId: string;
  stripePriceId: string;
}

export interface ChaosCustomer {
  id: string;
  stripeCustomerId: string;
  clockId: string;
}

export interface ChaosCatalogue {
  meters: ChaosMeter[];
  customers: ChaosCustomer[];
  /** A usage:write key: what the client workers ingest with. */
  ingestKey: string;
}

/** A sum meter (units are the values) and a count meter (units are the events), priced whole. */
const METER_DEFINITIONS = [
  { key: 'chaos_calls', displayName: 'Chaos calls', aggregation: 'sum', unitAmountDecimal: '1', currency: 'usd' },
  { key: 'chaos_requests', displayName: 'Chaos requests', aggregation: 'count', unitAmountDecimal: '2', currency: 'usd' },
] as const;

const WEBHOOK_WAIT_MS = 60_000;

export interface AdminAccess {
  baseUrl: string;
  adminKey: string;
}

async function advanceClock(stripe: Stripe, clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await eventually(async () => {
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    if (clock.status !== 'ready') throw new Error(`test clock ${clockId} is ${clock.status}`);
  }, 30_000);
}

const count = async (database: ChaosDatabase, sql: string, params: unknown[]) => Number((await database.query<{ n: string }>(sql, params))[0]!.n);

/** Waits until every stored Stripe event has been handled (none received, processing or failed). */
export async function webhooksSettled(database: ChaosDatabase): Promise<void> {
  await eventually(async () => {
    const open = await database.query<{ id: string; type: string; status: string }>(`select id, type, status from webhook_events where status not in ('processed', 'ignored')`);
    if (open.length > 0) throw new Error(`webhook events not processed: ${JSON.stringify(open)}`);
  }, WEBHOOK_WAIT_MS, 250);
}

/** Waits until `expected` events of `type` about invoices ending at one of `periodEnds` are processed. */
async function invoiceEventsProcessed(database: ChaosDatabase, type: string, periodEnds: number[], expected: number): Promise<void> {
  await eventually(async () => {
    const processed = await count(
      database,
      `select count(*) as n from webhook_events where type = $1 and status = 'processed' and (payload->'data'->'object'->>'period_end')::bigint = any($2::bigint[])`,
      [type, periodEnds],
    );
    if (processed < expected) throw new Error(`${processed} of ${expected} ${type} events about periods ending at ${periodEnds.join(', ')} processed`);
  }, WEBHOOK_WAIT_MS, 250);
}

/**
 * Through the API, as an operator would: the meters, a usage:write key, and per customer a test
 * clock at the layout's anchor, the customer on it and a subscription to every meter. Then the
 * clocks move to just before real time: the first usage period closes into a draft invoice (the
 * emulator's grace is 72 hours, so it stays a draft) and the current period begins; the harness
 * waits until Meterbridge has learnt that period from the webhooks.
 */
export async function setUpBilling(admin: AdminAccess, stripe: Stripe, database: ChaosDatabase, layout: BillingLayout, customers: number): Promise<ChaosCatalogue> {
  const call = <T>(what: string, method: string, path: string, body?: unknown) => requireSuccess<T>(what, callService<T>(admin.baseUrl, admin.adminKey, method, path, body));
  const meters: ChaosMeter[] = [];
  for (const definition of METER_DEFINITIONS) {
    const meter = await call<Omit<ChaosMeter, 'aggregation'>>(`create meter ${definition.key}`, 'POST', '/v1/meters', definition);
    meters.push({ ...meter, key: definition.key, aggregation: definition.aggregation });
  }
  const { key: ingestKey } = await call<{ key: string }>('create ingest key', 'POST', '/v1/api-keys', { name: 'chaos clients', scopes: ['usage:write'] });
  const created: ChaosCustomer[] = [];
  for (let index = 0; index < customers; index += 1) {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: layout.anchor, name: `chaos customer ${index}` });
    const customer = await call<{ id: string; stripeCustomerId: string }>('create customer', 'POST', '/v1/customers', { externalId: `chaos-${index}`, email: `chaos-${index}@example.test`, testClock: clock.id });
    const subscription = await call<{ currentPeriodStart: string }>('create subscription', 'POST', `/v1/customers/${customer.id}/subscriptions`, {});
    if (Date.parse(subscription.currentPeriodStart) !== layout.anchor * 1000) throw new Error(`subscription starts at ${subscription.currentPeriodStart}, not at the clock's ${new Date(layout.anchor * 1000).toISOString()}`);
    created.push({ id: customer.id, stripeCustomerId: customer.stripeCustomerId, clockId: clock.id });
  }
  await Promise.all(created.map((customer) => advanceClock(stripe, customer.clockId, layout.clockDuringIngest)));
  const current = layout.usagePeriods[1];
  await eventually(async () => {
    const known = await count(database, 'select count(*) as n from billing_periods where period_start = to_timestamp($1) and period_end = to_timestamp($2)', [current.start, current.end]);
    if (known < customers * meters.length) throw new Error(`Meterbridge knows the current period of ${known} of ${customers * meters.length} subscription items`);
  }, WEBHOOK_WAIT_MS, 250);
  await webhooksSettled(database);
  return { meters, customers: created, ingestKey };
}

/** The emulator's finalization grace (Stripe allows up to 72 hours): the first usage period's draft outlives the run. */
export const FINALIZATION_GRACE_SECONDS = 72 * 3600;

/**
 * Closes both usage periods as Stripe would: the clocks pass the current period's end (its draft
 * invoice is created and `invoice.created` reaches an app, which flushes the period), then the
 * finalization grace (both drafts are finalized, `invoice.finalized` marks the periods invoiced).
 */
export async function closeUsagePeriods(stripe: Stripe, database: ChaosDatabase, catalogue: ChaosCatalogue, periods: readonly Period[]): Promise<void> {
  const last = periods[periods.length - 1]!;
  const customers = catalogue.customers.length;
  await Promise.all(catalogue.customers.map((customer) => advanceClock(stripe, customer.clockId, last.end + 60)));
  await invoiceEventsProcessed(database, 'invoice.created', [last.end], customers);
  await Promise.all(catalogue.customers.map((customer) => advanceClock(stripe, customer.clockId, last.end + FINALIZATION_GRACE_SECONDS + 60)));
  await invoiceEventsProcessed(database, 'invoice.finalized', periods.map((period) => period.end), customers * periods.length);
  await webhooksSettled(database);
}

/**
 * Every closed period's invoice was verified against the ledger and matched: after the drain the
 * ledger and Stripe agree, so a verification still pending, held or mismatched is a fault of the
 * verification (or of the counts the run compares next).
 */
export async function invoiceVerificationProblems(database: ChaosDatabase, expected: number): Promise<string[]> {
  try {
    await eventually(async () => {
      const matched = await count(database, `select count(*) as n from invoice_verifications where state = 'matched'`, []);
      if (matched < expected) throw new Error(`${matched} of ${expected} invoice verifications matched`);
    }, WEBHOOK_WAIT_MS, 250);
    return [];
  } catch (error) {
    const rows = await database.query<{ stripe_invoice_id: string; state: string; reason: string | null }>(`select stripe_invoice_id, state, reason from invoice_verifications where state <> 'matched' order by id`);
    return [String(error), ...rows.map((row) => `invoice ${row.stripe_invoice_id} verification ${row.state}${row.reason ? `: ${row.reason}` : ''}`)];
  }
}
