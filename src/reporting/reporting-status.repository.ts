import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
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

const totals = (from: string, filter: string) =>
  `(SELECT json_build_object('reports', count(*), 'events', coalesce(sum(r.event_count), 0), 'units', coalesce(sum(r.units), 0)::text)
    FROM ${from} WHERE ${filter})`;
const QUEUED = 'report_queue q JOIN usage_reports r ON r.id = q.report_id';

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
       ${totals(QUEUED, "q.state = 'pending'")} AS pending,
       ${totals(QUEUED, "q.state = 'held'")} AS held,
       ${totals(QUEUED, "q.state = 'failed'")} AS failed,
       ${totals('usage_reports r', 'r.late_unbillable')} AS "lateUnbillable",
       ${totals('usage_reports r', 'r.late_adjustment')} AS "lateAdjustments",
       least(unclaimed.oldest, waiting.oldest) AS "oldestPendingReceivedAt",
       floor(extract(epoch FROM now() - least(unclaimed.oldest, waiting.oldest)))::int AS "oldestPendingAgeSeconds"
FROM mark, unclaimed, waiting`;

@Injectable()
export class ReportingStatusRepository {
  constructor(private readonly sql: NativeSql) {}

  async backlog(): Promise<BacklogRow> {
    const [row] = await this.sql.query<BacklogRow>(BACKLOG_SQL);
    return row!;
  }

  /** The most recent failed reports, with Stripe's reason. */
  recentFailures(limit: number): Promise<FailedReportRow[]> {
    return this.sql.query<FailedReportRow>(
      `SELECT r.id::text AS id, ${identifierOf('r')} AS identifier, r.customer_id AS "customerId", r.meter_id AS "meterId",
              r.window_start AS "windowStart", r.window_end AS "windowEnd", r.units::text AS units, r.event_count::int AS "eventCount",
              q.attempts, q.failure_reason AS reason
       FROM ${QUEUED} WHERE q.state = 'failed' ORDER BY q.report_id DESC LIMIT $1`,
      [limit],
    );
  }
}
