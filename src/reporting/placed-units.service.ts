import { Injectable } from '@nestjs/common';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { unitsByAggregation, type PeriodUnitsInput } from '../metering/billable-units.service.js';

/**
 * The units each given customer × meter × [period_start, period_end) must be billed: the ledger's
 * events and billable corrections (as metering counts them, `unitsByAggregation`) in the period
 * the reporter placed them, which is what Stripe was (or is still to be) told for that period.
 *
 * A row counts in the period of its own time, except when the report that claimed it applied the
 * late-usage policy (its own period's invoice was final): a late adjustment (`next_period`) carries
 * it into the period its meter event is timed in (the open period's start), and a late unbillable
 * report (`record_only`) takes it out of every period. A report names its rows exactly (customer,
 * meter, window × transaction range: usage-report.entity.ts), so the placement is the reporter's
 * recorded decision while the units come from the ledger itself: a unit lost, doubled or mis-summed
 * on its way to Stripe still shows as a difference. Rows no report has placed yet (unclaimed, or
 * held) count at their own time, where an on-time claim puts them.
 *
 * Late reports are few; their placement is looked up per line (`late`), and every other row is
 * read by the usage_events and usage_corrections (customer, meter, time) indexes.
 */
const PLACED_UNITS_OF_PERIODS_SQL = `
WITH lines AS MATERIALIZED (
  SELECT i.key, i.customer_id, i.meter_id, i.period_start, i.period_end, m.aggregation
  FROM json_to_recordset($1::json) AS i(key text, customer_id uuid, meter_id uuid, period_start timestamptz, period_end timestamptz)
  JOIN meters m ON m.id = i.meter_id
),
late AS MATERIALIZED (
  SELECT p.key, r.window_start, r.window_end, r.tx_from, r.tx_to, r.report_time,
         r.late_adjustment AND r.report_time >= p.period_start AND r.report_time < p.period_end AS carried_here
  FROM lines p
  JOIN usage_reports r ON r.customer_id = p.customer_id AND r.meter_id = p.meter_id AND r.window_start < p.period_end
  WHERE r.late_adjustment OR r.late_unbillable
),
ranges AS (
  -- the line's own period (less what late reports took away, below), rows at their own time
  SELECT p.key, p.customer_id, p.meter_id, p.aggregation, p.period_start AS time_from, p.period_end AS time_to,
         NULL::xid8 AS tx_from, NULL::xid8 AS tx_to, NULL::timestamptz AS counted_at
  FROM lines p
  UNION ALL
  -- what a late adjustment carried into the line's period, at its meter event's time
  SELECT p.key, p.customer_id, p.meter_id, p.aggregation, x.window_start, x.window_end, x.tx_from, x.tx_to, x.report_time
  FROM late x JOIN lines p ON p.key = x.key
  WHERE x.carried_here
),
placed AS (
  SELECT g.key, coalesce(g.counted_at, e.event_time) AS event_time, 0 AS kind, e.id, e.value, 1::bigint AS weight,
         g.counted_at IS NULL AS own, e.event_time AS own_time, e.tx_id
  FROM ranges g
  JOIN usage_events e ON e.customer_id = g.customer_id AND e.meter_id = g.meter_id AND e.event_time >= g.time_from AND e.event_time < g.time_to
  WHERE g.tx_from IS NULL OR (e.tx_id >= g.tx_from AND e.tx_id < g.tx_to)
  UNION ALL
  SELECT g.key, coalesce(g.counted_at, c.event_time), 1, c.id, c.report_units, CASE g.aggregation WHEN 'count' THEN c.report_units ELSE 0 END,
         g.counted_at IS NULL, c.event_time, c.tx_id
  FROM ranges g
  JOIN usage_corrections c ON c.customer_id = g.customer_id AND c.meter_id = g.meter_id AND c.event_time >= g.time_from AND c.event_time < g.time_to
  WHERE c.billable AND (g.tx_from IS NULL OR (c.tx_id >= g.tx_from AND c.tx_id < g.tx_to))
)
SELECT p.key, units.units::text AS units
FROM lines p
CROSS JOIN LATERAL (
  SELECT ${unitsByAggregation('p.aggregation')} AS units
  FROM placed l
  WHERE l.key = p.key
    AND NOT (l.own AND EXISTS (SELECT 1 FROM late x
                               WHERE x.key = l.key AND l.own_time >= x.window_start AND l.own_time < x.window_end AND l.tx_id >= x.tx_from AND l.tx_id < x.tx_to))
) units`;

/** What each billing period must be invoiced, as the reporter placed the ledger's units (invoice verification asks). */
@Injectable()
export class PlacedUnitsService {
  /** Units placed in each customer × meter × period (an invoice line's), keyed as given, inside the caller's transaction. */
  async ofPeriods(query: SqlQuery, periods: PeriodUnitsInput[]): Promise<Map<string, string>> {
    if (!periods.length) return new Map();
    const input = periods.map((p) => ({ key: p.key, customer_id: p.customerId, meter_id: p.meterId, period_start: p.periodStart.toISOString(), period_end: p.periodEnd.toISOString() }));
    const rows = await query<{ key: string; units: string }>(PLACED_UNITS_OF_PERIODS_SQL, [JSON.stringify(input)]);
    return new Map(rows.map((row) => [row.key, row.units]));
  }
}
