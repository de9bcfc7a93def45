import type Stripe from 'stripe';
import type { ChaosCatalogue, ChaosCustomer, ChaosMeter } from './billing-setup';
import type { ChaosDatabase } from './chaos-database';
import type { Period, PlannedEvent } from './chaos-plan';

/** One customer × meter × period: its units as each party counts them. */
export interface LedgerRow {
  customer: string;
  meter: string;
  period: string;
  /** Acknowledged with a 2xx to the clients, once per idempotency key. */
  client: bigint;
  /** Meterbridge's usage_events. */
  ledger: bigint;
  /** The emulator's meter event summary over the period. */
  stripe: bigint;
  /** The quantity on the period's finalized invoice; null when there is none. */
  invoice: bigint | null;
}

export interface LedgerComparison {
  rows: LedgerRow[];
  drift: LedgerRow[];
  problems: string[];
}

const key = (customer: number, meter: number, period: number) => `${customer}/${meter}/${period}`;
const periodLabel = (period: Period) => `${new Date(period.start * 1000).toISOString().slice(0, 16)}→${new Date(period.end * 1000).toISOString().slice(0, 16)}`;

function periodOf(periods: readonly Period[], timestamp: number): number {
  return periods.findIndex((period) => timestamp >= period.start && timestamp < period.end);
}

/**
 * What the clients were told is recorded, corrected: a sum meter counts values (an acknowledged
 * correction's instead of the original), a count meter counts events (a voided one not at all).
 */
function clientUnits(acknowledged: Iterable<PlannedEvent>, corrected: ReadonlyMap<number, number>, meters: ChaosMeter[], periods: readonly Period[]): Map<string, bigint> {
  const units = new Map<string, bigint>();
  for (const event of acknowledged) {
    const slot = key(event.customer, event.meter, periodOf(periods, event.timestamp));
    const value = corrected.get(event.index) ?? event.value;
    const counted = meters[event.meter]!.aggregation === 'count' ? (corrected.has(event.index) ? 0n : 1n) : BigInt(value);
    units.set(slot, (units.get(slot) ?? 0n) + counted);
  }
  return units;
}

async function ledgerUnits(database: ChaosDatabase, catalogue: ChaosCatalogue, periods: readonly Period[]): Promise<Map<string, bigint>> {
  const customerIndex = new Map(catalogue.customers.map((customer, index) => [customer.id, index]));
  const meterIndex = new Map(catalogue.meters.map((meter, index) => [meter.id, index]));
  const units = new Map<string, bigint>();
  for (const [period, { start, end }] of periods.entries()) {
    // each event at its latest correction's value; a count meter's voided events are not counted
    const rows = await database.query<{ customer: string; meter: string; events: string; total: string }>(
      `select e.customer_id::text as customer, e.meter_id::text as meter, count(*) filter (where c.value is null or c.value <> 0)::text as events,
              sum(coalesce(c.value, e.value))::text as total
         from usage_events e
         left join lateral (select value from usage_corrections x where x.event_id = e.id order by x.id desc limit 1) c on true
        where e.event_time >= to_timestamp($1) and e.event_time < to_timestamp($2) group by 1, 2`,
      [start, end],
    );
    for (const row of rows) {
      const meter = meterIndex.get(row.meter)!;
      units.set(key(customerIndex.get(row.customer)!, meter, period), BigInt(catalogue.meters[meter]!.aggregation === 'count' ? row.events : row.total));
    }
  }
  return units;
}

async function stripeUnits(stripe: Stripe, customer: ChaosCustomer, meter: ChaosMeter, period: Period): Promise<bigint> {
  let total = 0n;
  for await (const summary of stripe.billing.meters.listEventSummaries(meter.stripeMeterId, { customer: customer.stripeCustomerId, start_time: period.start, end_time: period.end, limit: 100 })) {
    total += BigInt(summary.aggregated_value);
  }
  return total;
}

/** The invoice closing `period`, found by its period (never "the latest"); its line found by price (never the first). */
function invoiceQuantity(invoices: Stripe.Invoice[], meter: ChaosMeter, period: Period): { quantity: bigint | null; problem?: string } {
  const invoice = invoices.find((candidate) => candidate.period_start === period.start && candidate.period_end === period.end && candidate.billing_reason === 'subscription_cycle');
  if (!invoice) return { quantity: null, problem: `no invoice for ${periodLabel(period)}` };
  if (invoice.status === 'draft') return { quantity: null, problem: `invoice ${invoice.id} for ${periodLabel(period)} is still a draft` };
  const line = invoice.lines.data.find((candidate) => {
    const price = candidate.pricing?.price_details?.price;
    return (typeof price === 'string' ? price : price?.id) === meter.stripePriceId;
  });
  return line ? { quantity: BigInt(line.quantity ?? 0) } : { quantity: null, problem: `invoice ${invoice.id} has no line for ${meter.key}` };
}

/**
 * The proof: for every customer × meter × period, the units the clients were acknowledged (with
 * the corrections they were acknowledged), the units in Meterbridge's corrected ledger, in
 * Stripe's meter event summaries and on the finalized invoice.
 */
export async function compareLedgers(
  acknowledged: Iterable<PlannedEvent>,
  corrected: ReadonlyMap<number, number>,
  catalogue: ChaosCatalogue,
  periods: readonly Period[],
  database: ChaosDatabase,
  stripe: Stripe,
): Promise<LedgerComparison> {
  const client = clientUnits(acknowledged, corrected, catalogue.meters, periods);
  const ledger = await ledgerUnits(database, catalogue, periods);
  const rows: LedgerRow[] = [];
  const problems: string[] = [];
  for (const [customerIndex, customer] of catalogue.customers.entries()) {
    const invoices = await stripe.invoices.list({ customer: customer.stripeCustomerId, limit: 100 }).autoPagingToArray({ limit: 1000 });
    for (const [meterIndex, meter] of catalogue.meters.entries()) {
      for (const [periodIndex, period] of periods.entries()) {
        const slot = key(customerIndex, meterIndex, periodIndex);
        const invoice = invoiceQuantity(invoices, meter, period);
        if (invoice.problem) problems.push(`customer chaos-${customerIndex}: ${invoice.problem}`);
        rows.push({
          customer: `chaos-${customerIndex}`,
          meter: meter.key,
          period: periodLabel(period),
          client: client.get(slot) ?? 0n,
          ledger: ledger.get(slot) ?? 0n,
          stripe: await stripeUnits(stripe, customer, meter, period),
          invoice: invoice.quantity,
        });
      }
    }
  }
  const [outside] = await database.query<{ n: string }>('select count(*) as n from usage_events where event_time < to_timestamp($1) or event_time >= to_timestamp($2)', [
    periods[0]!.start,
    periods[periods.length - 1]!.end,
  ]);
  if (Number(outside!.n) > 0) problems.push(`${outside!.n} ledger events lie outside the usage periods`);
  const drift = rows.filter((row) => !(row.client === row.ledger && row.ledger === row.stripe && row.stripe === row.invoice));
  return { rows, drift, problems };
}

/** The drift table: one line per customer × meter × period whose four counts are not all equal. */
export function driftTable(rows: LedgerRow[]): string {
  const header = ['customer', 'meter', 'period', 'client', 'ledger', 'stripe', 'invoice'];
  const cells = rows.map((row) => [row.customer, row.meter, row.period, String(row.client), String(row.ledger), String(row.stripe), row.invoice === null ? 'none' : String(row.invoice)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const format = (line: string[]) => line.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [format(header), ...cells.map(format)].join('\n');
}
