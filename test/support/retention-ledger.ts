import type { TestApp } from './test-app';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Seeds a customer with a year of usage straight into the tables (ingest refuses timestamps older
 * than 35 days), every event already reported, as the retention job expects to find it:
 * - `calls` (sum) and `seats` (last) on one subscription with monthly billing periods starting at
 *   10:30 UTC on the 5th (not at midnight, so buckets are cut at period boundaries), every past
 *   period's invoice final;
 * - `requests` (count) without a subscription: calendar months;
 * - events at 01:00, 10:00, 10:45 and 23:59:59.5 UTC every day, some reports late and unbillable.
 */
export interface SeededLedger {
  customerId: string;
  meters: Record<'calls' | 'seats' | 'requests', string>;
  /** [start, end) of every billing period, oldest first; the last one is current. */
  periods: { start: Date; end: Date }[];
  events: number;
}

/** Monthly periods starting at 10:30 UTC on the 5th: the `months` before the current one, and the current one. */
export function billingPeriods(now: number, months: number): { start: Date; end: Date }[] {
  const today = new Date(now);
  const anchor = (offset: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + offset, 5, 10, 30));
  const current = anchor(0).getTime() <= now ? 0 : -1;
  const starts = Array.from({ length: months + 2 }, (_, index) => anchor(current - months + index));
  return starts.slice(0, -1).map((start, index) => ({ start, end: starts[index + 1]! }));
}

export async function seedYearOfUsage(db: Pick<TestApp, 'sql'>, now = Date.now()): Promise<SeededLedger> {
  const [customer] = await db.sql<{ id: string }>(`insert into customers (external_id, email, stripe_customer_id) values ('acct_year', 'year@example.com', 'cus_year') returning id`);
  const meters = {} as SeededLedger['meters'];
  for (const [key, aggregation] of [['calls', 'sum'], ['seats', 'last'], ['requests', 'count']] as const) {
    const [meter] = await db.sql<{ id: string }>(
      `insert into meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency) values (?, ?, ?, ?, '0.5', 'usd') returning id`,
      [key, key, aggregation, `mb_${key}`],
    );
    meters[key] = meter!.id;
  }
  const periods = billingPeriods(now, 13);
  const current = periods[periods.length - 1]!;
  const [subscription] = await db.sql<{ id: string }>(`insert into subscriptions (customer_id, stripe_subscription_id, status) values (?, 'sub_year', 'active') returning id`, [customer!.id]);
  for (const key of ['calls', 'seats'] as const) {
    const [item] = await db.sql<{ id: string }>(
      `insert into subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end)
       values (?, ?, ?, ?, ?, ?) returning id`,
      [subscription!.id, meters[key], `si_${key}`, `price_${key}`, current.start.toISOString(), current.end.toISOString()],
    );
    for (const period of periods) {
      const final = period.end.getTime() <= now;
      await db.sql(
        `insert into billing_periods (subscription_item_id, customer_id, meter_id, period_start, period_end, stripe_invoice_id, invoice_finalized_at) values (?, ?, ?, ?, ?, ?, ?)`,
        [item!.id, customer!.id, meters[key], period.start.toISOString(), period.end.toISOString(), final ? `in_${key}_${period.start.getTime()}` : null, final ? period.end.toISOString() : null],
      );
    }
  }
  const firstDay = Math.floor((now - 365 * DAY) / DAY) * DAY;
  // received when they happened, in time order, as ingest would have stored them
  await db.sql(
    `insert into usage_events (customer_id, meter_id, idempotency_key, value, event_time, received_at)
     select ?::uuid, m.id, m.key || '-' || extract(epoch from t.at)::bigint, (extract(doy from t.at)::int * 7 + extract(hour from t.at)::int) % 23, t.at, t.at
     from generate_series(?::timestamptz, ?::timestamptz, interval '1 day') d(day)
     cross join lateral (values (d.day + interval '1 hour'), (d.day + interval '10 hours'), (d.day + interval '10 hours 45 minutes'), (d.day + interval '23:59:59.5')) t(at)
     cross join meters m
     where t.at < ?::timestamptz
     order by t.at, m.key`,
    [customer!.id, new Date(firstDay).toISOString(), new Date(now - DAY).toISOString(), new Date(now - 60_000).toISOString()],
  );
  // one report per customer × meter × UTC day, delivered (not queued); every fifth day's kept back as late and unbillable
  await db.sql(
    `insert into usage_reports (customer_id, meter_id, window_start, window_end, sequence, units, event_count, report_time, oldest_received_at, tx_from, tx_to, late_unbillable)
     select customer_id, meter_id, date_trunc('day', event_time, 'UTC'), date_trunc('day', event_time, 'UTC') + interval '1 day', 0, sum(value), count(*), max(event_time), min(received_at),
            '0', pg_current_xact_id(), extract(doy from date_trunc('day', event_time, 'UTC'))::int % 5 = 0
     from usage_events group by customer_id, meter_id, date_trunc('day', event_time, 'UTC')`,
  );
  const [count] = await db.sql<{ n: number }>(`select count(*)::int as n from usage_events`);
  return { customerId: customer!.id, meters, periods, events: count!.n };
}
