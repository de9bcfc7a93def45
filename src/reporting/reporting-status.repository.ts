import { Injectable } from '@nestjs/common';
import { NativeSql } from './native-sql.js';

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

const totals = (filter: string) =>
  `(SELECT json_build_object('reports', count(*), 'events', coalesce(sum(event_count), 0), 'units', coalesce(sum(units), 0)::text)
    FROM usage_reports WHERE ${filter})`;

/**
 * What the backlog looks like: events past the watermark (not yet claimed) and report rows by
 * status. Every filter is served by an index, so the cost follows the backlog, not the history.
 */
const BACKLOG_SQL = `
WITH mark AS (SELECT last_tx FROM reporter_watermark WHERE id = 1),
unclaimed AS (
  SELECT count(*)::int AS events, min(e.received_at) AS oldest FROM usage_events e, mark WHERE e.tx_id >= mark.last_tx
),
waiting AS (
  SELECT min(oldest_received_at) AS oldest FROM usage_reports WHERE status IN ('pending', 'held')
)
SELECT mark.last_tx::text AS watermark, unclaimed.events AS "unclaimedEvents",
       ${totals("status = 'pending'")} AS pending,
       ${totals("status = 'held'")} AS held,
       ${totals("status = 'failed'")} AS failed,
       ${totals("status = 'late_unbillable'")} AS "lateUnbillable",
       ${totals('late_adjustment')} AS "lateAdjustments",
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
      `SELECT id::text AS id, identifier, customer_id AS "customerId", meter_id AS "meterId", window_start AS "windowStart",
              window_end AS "windowEnd", units::text AS units, event_count::int AS "eventCount", attempts, failure_reason AS reason
       FROM usage_reports WHERE status = 'failed' ORDER BY id DESC LIMIT $1`,
      [limit],
    );
  }
}
