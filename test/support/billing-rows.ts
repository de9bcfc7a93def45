import { randomUUID } from 'node:crypto';
import type { TestApp } from './test-app';

/**
 * Customers, meters and subscription items written straight into the database, for tests of
 * modules that read them (usage ingestion and totals) without going through their routes or Stripe.
 */

export interface CustomerRow {
  id: string;
  externalId: string;
}

export interface MeterRow {
  id: string;
  key: string;
}

type Database = Pick<TestApp, 'sql'>;

async function insertReturningId(db: Database, sql: string, params: unknown[]): Promise<string> {
  const [row] = await db.sql<{ id: string }>(sql, params);
  return row!.id;
}

export async function insertCustomerRow(db: Database, options: { externalId?: string; stripeCustomerId?: string | null } = {}): Promise<CustomerRow> {
  const externalId = options.externalId ?? `ext_${randomUUID()}`;
  const id = await insertReturningId(db, 'insert into customers (external_id, email, stripe_customer_id) values (?, ?, ?) returning id', [
    externalId,
    `${externalId}@example.com`,
    options.stripeCustomerId ?? null,
  ]);
  return { id, externalId };
}

export async function insertMeterRow(
  db: Database,
  options: { key?: string; active?: boolean; unitAmountDecimal?: string; currency?: string; aggregation?: 'sum' | 'count' | 'last' } = {},
): Promise<MeterRow> {
  const key = options.key ?? `meter_${randomUUID().slice(0, 8)}`;
  const id = await insertReturningId(
    db,
    'insert into meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency, active) values (?, ?, ?, ?, ?, ?, ?) returning id',
    [key, key, options.aggregation ?? 'sum', `mb_${key}`, options.unitAmountDecimal ?? '1', options.currency ?? 'usd', options.active ?? true],
  );
  return { id, key };
}

/** A live subscription (status active) with one item for the meter over [periodStart, periodEnd). */
export async function insertSubscriptionItemRow(
  db: Database,
  options: { customerId: string; meterId: string; periodStart: Date; periodEnd: Date; status?: string },
): Promise<void> {
  const subscriptionId = await insertReturningId(db, 'insert into subscriptions (customer_id, stripe_subscription_id, status) values (?, ?, ?) returning id', [
    options.customerId,
    `sub_${randomUUID()}`,
    options.status ?? 'active',
  ]);
  await db.sql(
    'insert into subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end) values (?, ?, ?, ?, ?, ?)',
    [subscriptionId, options.meterId, `si_${randomUUID()}`, `price_${randomUUID()}`, options.periodStart.toISOString(), options.periodEnd.toISOString()],
  );
}

export interface StoredUsageEventRow {
  id: string;
  customer_id: string;
  meter_id: string;
  idempotency_key: string;
  value: string;
  event_time: string;
  timestamp_defaulted: boolean;
  properties: Record<string, unknown> | null;
}

/** Every stored usage event, oldest id first, with event_time as ISO-8601 UTC. */
export function usageEventRows(db: Database): Promise<StoredUsageEventRow[]> {
  return db.sql<StoredUsageEventRow>(
    `select id::text, customer_id, meter_id, idempotency_key, value::text, timestamp_defaulted, properties,
            to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as event_time
     from usage_events order by usage_events.id`,
  );
}

export async function countUsageEvents(db: Database): Promise<number> {
  const [row] = await db.sql<{ count: string }>('select count(*)::text as count from usage_events');
  return Number(row!.count);
}
