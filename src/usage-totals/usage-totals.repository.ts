import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { isoUtc } from '../database/iso-utc.js';
import { nativeQuery } from '../database/native-query.js';

export interface UsageTotalsRow {
  meter: string;
  currency: string;
  billable: boolean;
  period_start: string;
  period_end: string;
  ingested: string;
  reported: string;
  pending: string;
  failed: string;
  late_unbillable: string;
  estimated_amount: string;
}

export interface UsageTotalsFilter {
  meterKey?: string;
  /** ISO-8601; both or neither. Without them each meter uses the customer's current billing period. */
  from?: string;
  to?: string;
}

/**
 * What became of event `e`: the reporter's report whose claim covered it (same customer and
 * meter, `e.tx_id` in the report's [tx_from, tx_to), `e.event_time` in its window; windows are at
 * most a day long) says `reported` once Stripe accepted it (it left report_queue),
 * `late_unbillable` under the record_only late policy, `failed` when Stripe refused it; otherwise
 * (no report yet, or still queued: pending, held) nothing.
 */
const REPORT_OUTCOME = `
    SELECT CASE WHEN r.late_unbillable THEN 'late_unbillable' WHEN q.report_id IS NULL THEN 'reported' WHEN q.state = 'failed' THEN 'failed' END AS outcome
    FROM usage_reports r
    LEFT JOIN report_queue q ON q.report_id = r.id
    WHERE r.customer_id = e.customer_id AND r.meter_id = e.meter_id AND e.tx_id >= r.tx_from AND e.tx_id < r.tx_to
      AND r.window_start <= e.event_time AND r.window_start > e.event_time - interval '24 hours' AND r.window_end > e.event_time
    LIMIT 1`;

/**
 * The window's ledger rows (usage events and billable corrections, as the reporter claims them:
 * report-claim.sql.ts, ledgerRows): a correction's value is what it adds to its window (the
 * difference, or a last meter's new latest value), and its weight the events it adds (-1 for a
 * void on a count meter), so sums over these rows are the corrected totals.
 */
const LEDGER_ROWS = `
      SELECT e.customer_id, e.meter_id, e.tx_id, e.event_time, e.value, 1 AS weight, 0 AS kind, e.id FROM usage_events e
      WHERE e.customer_id = $1 AND e.meter_id = w.meter_id AND e.event_time >= w.period_start AND e.event_time < w.period_end
      UNION ALL
      SELECT c.customer_id, c.meter_id, c.tx_id, c.event_time, c.report_units, CASE w.aggregation WHEN 'count' THEN c.report_units ELSE 0 END, 1, c.id
      FROM usage_corrections c
      WHERE c.billable AND c.customer_id = $1 AND c.meter_id = w.meter_id AND c.event_time >= w.period_start AND c.event_time < w.period_end`;

/**
 * Totals per meter over each meter's window: the customer's current billing period for that meter
 * (its live subscription item), else the current UTC calendar month, unless from/to are given.
 * Meters are listed when active, subscribed, named by the filter, or used in the window.
 */
const USAGE_TOTALS_SQL = `
WITH customer AS (
  SELECT id, stripe_customer_id FROM customers WHERE id = $1
),
live_items AS (
  SELECT DISTINCT ON (si.meter_id) si.meter_id, si.current_period_start, si.current_period_end
  FROM subscription_items si JOIN subscriptions s ON s.id = si.subscription_id
  WHERE s.customer_id = $1 AND s.status NOT IN ('canceled', 'incomplete_expired')
  ORDER BY si.meter_id, si.current_period_start DESC
),
calendar_month AS (
  SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month_start,
         (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' AS month_end
),
windows AS (
  SELECT m.id AS meter_id, m.key, m.aggregation, m.unit_amount_decimal, m.currency, m.active,
         li.meter_id IS NOT NULL AS subscribed,
         li.meter_id IS NOT NULL AND c.stripe_customer_id IS NOT NULL AS billable,
         coalesce($3::timestamptz, li.current_period_start, cm.month_start) AS period_start,
         coalesce($4::timestamptz, li.current_period_end, cm.month_end) AS period_end
  FROM customer c CROSS JOIN calendar_month cm CROSS JOIN meters m
  LEFT JOIN live_items li ON li.meter_id = m.id
  WHERE $2::text IS NULL OR m.key = $2::text
),
totals AS (
  SELECT w.*, ledger.ledger_rows,
         CASE w.aggregation WHEN 'count' THEN ledger.events WHEN 'last' THEN coalesce(last_event.value, 0) ELSE ledger.value_sum END AS ingested,
         CASE w.aggregation WHEN 'count' THEN ledger.events_reported WHEN 'last' THEN CASE last_event.outcome WHEN 'reported' THEN last_event.value ELSE 0 END
              ELSE ledger.value_reported END AS reported,
         CASE w.aggregation WHEN 'count' THEN ledger.events_unbillable WHEN 'last' THEN CASE last_event.outcome WHEN 'late_unbillable' THEN last_event.value ELSE 0 END
              ELSE ledger.value_unbillable END AS late_unbillable,
         CASE w.aggregation WHEN 'count' THEN ledger.events_failed WHEN 'last' THEN CASE last_event.outcome WHEN 'failed' THEN last_event.value ELSE 0 END
              ELSE ledger.value_failed END AS failed
  FROM windows w
  CROSS JOIN LATERAL (
    -- The one place that splits a window's usage into reported / late, by each ledger row's report.
    SELECT count(*) AS ledger_rows, coalesce(sum(e.weight), 0)::numeric AS events, coalesce(sum(e.value), 0)::numeric AS value_sum,
           coalesce(sum(e.weight) FILTER (WHERE report.outcome = 'reported'), 0)::numeric AS events_reported,
           coalesce(sum(e.value) FILTER (WHERE report.outcome = 'reported'), 0)::numeric AS value_reported,
           coalesce(sum(e.weight) FILTER (WHERE report.outcome = 'late_unbillable'), 0)::numeric AS events_unbillable,
           coalesce(sum(e.value) FILTER (WHERE report.outcome = 'late_unbillable'), 0)::numeric AS value_unbillable,
           coalesce(sum(e.weight) FILTER (WHERE report.outcome = 'failed'), 0)::numeric AS events_failed,
           coalesce(sum(e.value) FILTER (WHERE report.outcome = 'failed'), 0)::numeric AS value_failed
    FROM (${LEDGER_ROWS}) e
    LEFT JOIN LATERAL (${REPORT_OUTCOME}) report ON true
  ) ledger
  LEFT JOIN LATERAL (
    SELECT e.value, report.outcome FROM (${LEDGER_ROWS}) e
    LEFT JOIN LATERAL (${REPORT_OUTCOME}) report ON true
    WHERE w.aggregation = 'last'
    ORDER BY e.event_time DESC, e.kind DESC, e.id DESC LIMIT 1
  ) last_event ON true
)
SELECT key AS meter, trim(currency) AS currency, billable,
       ${isoUtc('period_start')} AS period_start, ${isoUtc('period_end')} AS period_end,
       ingested::text AS ingested, reported::text AS reported, (ingested - reported - late_unbillable - failed)::text AS pending, failed::text AS failed,
       late_unbillable::text AS late_unbillable, -- Stripe bills a period whose total is negative (corrections below zero) as 0
       trim_scale(greatest(ingested - late_unbillable - failed, 0) * unit_amount_decimal)::text AS estimated_amount
FROM totals
WHERE $2::text IS NOT NULL OR active OR subscribed OR ledger_rows > 0
ORDER BY key`;

/**
 * The usage totals read model: it reads metering's usage_events and meters, corrections'
 * usage_corrections, reporting's usage_reports and report_queue, and subscriptions' items, and
 * writes nothing (docs/architecture.md, Tables and their owners). It runs on the request-reads pool
 * (RequestReadsDatabase), whose window the caller picks.
 */
@Injectable()
export class UsageTotalsRepository {
  constructor(private readonly orm: MikroORM) {}

  private query<T>(name: string | undefined, text: string, values: unknown[]): Promise<T[]> {
    return nativeQuery<T>(this.orm, name, text, values);
  }

  usageTotalsPerMeter(customerId: string, filter: UsageTotalsFilter): Promise<UsageTotalsRow[]> {
    return this.query<UsageTotalsRow>('usage-totals-per-meter', USAGE_TOTALS_SQL, [customerId, filter.meterKey ?? null, filter.from ?? null, filter.to ?? null]);
  }

  /** Tells an unknown customer from an unknown meter when usageTotalsPerMeter found nothing. */
  async customerAndMeterExist(customerId: string, meterKey: string | undefined): Promise<{ customer: boolean; meter: boolean }> {
    const [row] = await this.query<{ customer: boolean; meter: boolean }>(
      undefined,
      `SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1) AS customer,
              ($2::text IS NULL OR EXISTS (SELECT 1 FROM meters WHERE key = $2::text)) AS meter`,
      [customerId, meterKey ?? null],
    );
    return row!;
  }
}
