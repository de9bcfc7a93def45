import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { sentUnitsOf } from './report-claim.sql.js';
import { identifierOf } from './report-identifier.js';

/** An earlier report of a correction report's window (delivered, or refused by Stripe), to cancel before the correction is sent. */
export interface CancelCandidate {
  /** The pending report that carries the correction. */
  byReportId: string;
  reportId: string;
  identifier: string;
  eventName: string;
  /** What the earlier report's meter events carry in all (its parts are cut from this). */
  sentUnits: string;
  aggregation: 'sum' | 'count' | 'last';
  /** Parts already decided for this pair by an earlier, interrupted run. */
  decidedParts: number[];
  /**
   * Whether Stripe cannot be holding a meter event of it that refuses a cancel: it was refused
   * (failed), or it was claimed less than 23 hours ago, so Stripe received it less than 24
   * hours ago and a refused cancel means Stripe never counted it (see reporting.service.ts).
   */
  refusalMeansUncounted: boolean;
  /** Stripe refused it (failed): a one-part report was never counted, its cancel is not even asked. */
  failed: boolean;
}

export interface CancellationDecision {
  reportId: string;
  part: number;
  byReportId: string;
  cancelled: boolean;
  /** What the correction report carries on top of its units for this part. */
  value: string;
}

/**
 * `r` (queued as `q`) is a pending report that carries corrections in an open period (on time: not
 * a late adjustment); $1 restricts it to those periods (a flush) when not null. Shared by both
 * queries below, so that a correction waits for exactly the reports it would cancel.
 */
const PENDING_CORRECTION_REPORT = `
q.state = 'pending' AND r.correction_count > 0 AND NOT r.late_adjustment AND r.billing_period_id IS NOT NULL
  AND ($1::bigint[] IS NULL OR r.billing_period_id = ANY($1::bigint[]))`;

/** `p` is an earlier report of `r`'s window, billed in the same period, neither late nor unbillable. */
const EARLIER_REPORT_OF_WINDOW = `
p.customer_id = r.customer_id AND p.meter_id = r.meter_id AND p.window_start = r.window_start AND p.sequence < r.sequence
  AND p.billing_period_id = r.billing_period_id AND NOT p.late_adjustment AND NOT p.late_unbillable`;

/**
 * Each pending correction report with the earlier reports of its window that Stripe accepted or
 * refused (failed) and that no other report cancelled or took over yet.
 */
const CANDIDATES_SQL = `
SELECT r.id::text AS "byReportId", p.id::text AS "reportId", ${identifierOf('p')} AS identifier, m.event_name AS "eventName",
       ${sentUnitsOf('p')}::text AS "sentUnits", m.aggregation,
       ARRAY(SELECT x.part FROM report_cancellations x WHERE x.report_id = p.id AND x.by_report_id = r.id) AS "decidedParts",
       pq.state IS NOT NULL OR p.created_at > now() - interval '23 hours' AS "refusalMeansUncounted", pq.state IS NOT NULL AS failed
FROM report_queue q
JOIN usage_reports r ON r.id = q.report_id
JOIN meters m ON m.id = r.meter_id
JOIN usage_reports p ON ${EARLIER_REPORT_OF_WINDOW}
LEFT JOIN report_queue pq ON pq.report_id = p.id AND pq.state = 'failed'
WHERE ${PENDING_CORRECTION_REPORT}
  AND NOT EXISTS (SELECT 1 FROM report_queue oq WHERE oq.report_id = p.id AND oq.state <> 'failed')
  AND NOT EXISTS (SELECT 1 FROM report_cancellations x WHERE x.report_id = p.id AND x.by_report_id <> r.id)
ORDER BY r.id, p.id`;

/**
 * Pending correction reports whose window still has an earlier report waiting to be sent: what
 * they cancel and carry is only known once that report is delivered or refused, so they wait for
 * a later run. Sent now, a correction would carry nothing for it; if that send reached Stripe
 * unanswered and the earlier report were delivered meanwhile, the next run would cancel the earlier
 * report and resend the correction with a larger value under the same identifier, which Stripe
 * ignores (it keeps an identifier's first event).
 */
const WAITING_FOR_EARLIER_REPORTS_SQL = `
SELECT r.id::text AS id
FROM report_queue q
JOIN usage_reports r ON r.id = q.report_id
WHERE ${PENDING_CORRECTION_REPORT}
  AND EXISTS (
    SELECT 1 FROM usage_reports p JOIN report_queue pq ON pq.report_id = p.id AND pq.state = 'pending'
    WHERE ${EARLIER_REPORT_OF_WINDOW}
  )`;

/** Which earlier meter events a correction report cancelled before it is sent (report_cancellations). */
@Injectable()
export class ReportCancellationsRepository {
  constructor(private readonly sql: NativeSql) {}

  /** Correction reports to leave pending until their window's earlier reports are settled (WAITING_FOR_EARLIER_REPORTS_SQL). */
  async waitingForEarlierReports(periodIds: string[] | null): Promise<string[]> {
    return (await this.sql.query<{ id: string }>(WAITING_FOR_EARLIER_REPORTS_SQL, [periodIds])).map((row) => row.id);
  }

  candidates(periodIds: string[] | null): Promise<CancelCandidate[]> {
    return this.sql.query<CancelCandidate>(CANDIDATES_SQL, [periodIds]);
  }

  /** Idempotent: a decision recorded by an interrupted run stays as it was. */
  async record(decisions: CancellationDecision[]): Promise<void> {
    if (!decisions.length) return;
    await this.sql.query(
      `INSERT INTO report_cancellations (report_id, part, by_report_id, cancelled, value)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::boolean[], $5::bigint[])
       ON CONFLICT (report_id, part) DO NOTHING`,
      [
        decisions.map((decision) => decision.reportId),
        decisions.map((decision) => decision.part),
        decisions.map((decision) => decision.byReportId),
        decisions.map((decision) => decision.cancelled),
        decisions.map((decision) => decision.value),
      ],
    );
  }
}
