import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { heldOnStripeOf, sentUnitsOf } from './report-claim.sql.js';
import { readAsOf } from '../database/read-freshness.js';
import { identifierOf } from './report-identifier.js';

export interface StatusTotals {
  reports: number;
  events: number;
  units: string;
}

export interface BacklogRow {
  watermark: string;
  unclaimedEvents: number;
  pending: StatusTotals;
  held: StatusTotals;
  failed: StatusTotals;
  lateUnbillable: StatusTotals;
  lateAdjustments: StatusTotals;
  /** When the oldest event not yet reported was received; null without backlog. */
  oldestPendingReceivedAt: Date | null;
  oldestPendingAgeSeconds: number | null;
}

export interface FailedReportRow {
  id: string;
  identifier: string;
  customerId: string;
  meterId: string;
  windowStart: Date;
  windowEnd: Date;
  units: string;
  eventCount: number;
  attempts: number;
  reason: string | null;
}

export interface NegativePeriodRow {
  customerId: string;
  meter: string;
  periodStart: Date;
  periodEnd: Date;
  stripeInvoiceId: string | null;
  netUnits: string;
  /** How many periods are below zero in all (the same on every row). */
  total: number;
}

const totals = (from: string, filter: string, units = 'r.units') =>
  `(SELECT json_build_object('reports', count(*), 'events', coalesce(sum(r.event_count), 0), 'units', coalesce(sum(${units}), 0)::text)
    FROM ${from} WHERE ${filter})`;
const QUEUED = 'report_queue q JOIN usage_reports r ON r.id = q.report_id';
/**
 * Refused by Stripe and not taken over: a later correction report of the window that carries a
 * failed report's value on (report_cancellations) makes those units its own, pending or sent.
 */
const FAILED = `q.state = 'failed' AND NOT EXISTS (SELECT 1 FROM report_cancellations x WHERE x.report_id = r.id AND x.cancelled)`;

/**
 * What the backlog looks like: events past the watermark (not yet claimed), the queue by state,
 * and late usage. Every part is served by an index (the queue is the backlog), so the cost
 * follows the backlog, not the history.
 */
const BACKLOG_SQL = `
WITH mark AS (SELECT last_tx FROM reporter_watermark WHERE id = 1),
unclaimed AS (
  SELECT count(*)::int AS events, min(e.received_at) AS oldest FROM usage_events e, mark WHERE e.tx_id >= mark.last_tx
),
waiting AS (
  SELECT min(r.oldest_received_at) AS oldest FROM ${QUEUED} WHERE q.state IN ('pending', 'held')
)
SELECT mark.last_tx::text AS watermark, unclaimed.events AS "unclaimedEvents",
       ${totals(QUEUED, "q.state = 'pending'", sentUnitsOf('r'))} AS pending,
       ${totals(QUEUED, "q.state = 'held'")} AS held,
       ${totals(QUEUED, FAILED, sentUnitsOf('r'))} AS failed,
       ${totals('usage_reports r', 'r.late_unbillable')} AS "lateUnbillable",
       ${totals('usage_reports r', 'r.late_adjustment')} AS "lateAdjustments",
       least(unclaimed.oldest, waiting.oldest) AS "oldestPendingReceivedAt",
       floor(extract(epoch FROM now() - least(unclaimed.oldest, waiting.oldest)))::int AS "oldestPendingAgeSeconds"
FROM mark, unclaimed, waiting`;

/**
 * Billing periods of sum and count meters whose total on Stripe is below zero (Stripe invoices
 * them at 0): only a correction's negative difference (a compensating event, or a late
 * adjustment into the next period) can lower a period, so the candidates are the periods of the
 * reports carrying negative corrections, and the cost follows the corrections, not the history.
 */
const NEGATIVE_PERIODS_SQL = `
WITH lowered AS (
  SELECT DISTINCT r.billing_period_id AS id
  FROM usage_corrections c
  JOIN usage_reports r ON r.customer_id = c.customer_id AND r.meter_id = c.meter_id AND c.tx_id >= r.tx_from AND c.tx_id < r.tx_to
   AND r.window_start <= c.event_time AND r.window_start > c.event_time - interval '24 hours' AND r.window_end > c.event_time
  WHERE c.billable AND c.report_units < 0 AND r.billing_period_id IS NOT NULL AND NOT r.late_unbillable
),
netted AS (
  SELECT p.customer_id, m.key AS meter, p.period_start, p.period_end, p.stripe_invoice_id,
         (SELECT sum(${heldOnStripeOf('r')}) FROM usage_reports r WHERE r.billing_period_id = p.id) AS net_units
  FROM lowered l JOIN billing_periods p ON p.id = l.id JOIN meters m ON m.id = p.meter_id AND m.aggregation <> 'last'
)
SELECT customer_id AS "customerId", meter, period_start AS "periodStart", period_end AS "periodEnd", stripe_invoice_id AS "stripeInvoiceId",
       net_units::text AS "netUnits", (count(*) OVER ())::int AS total
FROM netted WHERE net_units < 0
ORDER BY period_end DESC, customer_id, meter LIMIT $1`;

@Injectable()
export class ReportingStatusRepository {
  constructor(private readonly sql: NativeSql) {}

  /** How fresh this repository's reads are (docs/read-routing.md). */
  asOf(): Promise<string> {
    return readAsOf((text, values) => this.sql.query(text, values));
  }

  async backlog(): Promise<BacklogRow> {
    const [row] = await this.sql.query<BacklogRow>(BACKLOG_SQL);
    return row!;
  }

  /** Periods whose total on Stripe is below zero, latest end first. */
  negativePeriods(limit: number): Promise<NegativePeriodRow[]> {
    return this.sql.query<NegativePeriodRow>(NEGATIVE_PERIODS_SQL, [limit]);
  }

  /** The most recent failed reports, with Stripe's reason. */
  recentFailures(limit: number): Promise<FailedReportRow[]> {
    return this.sql.query<FailedReportRow>(
      `SELECT r.id::text AS id, ${identifierOf('r')} AS identifier, r.customer_id AS "customerId", r.meter_id AS "meterId",
              r.window_start AS "windowStart", r.window_end AS "windowEnd", ${sentUnitsOf('r')}::text AS units, r.event_count::int AS "eventCount",
              q.attempts, q.failure_reason AS reason
       FROM ${QUEUED} WHERE ${FAILED} ORDER BY q.report_id DESC LIMIT $1`,
      [limit],
    );
  }
}
