import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { NativeSql } from '../database/native-sql.js';
import { advanceWatermark, lockWatermark, type SqlQuery } from '../database/transaction-watermark.js';
import { sleep } from './rate-limiter.js';
import { classifyAndInsert, ledgerRows, NEXT_SEQUENCE, NEXT_SEQUENCES_RANKED, periodClosed, sentUnitsOf, STRIPE_MAX_EVENT_AGE, SUMMARIZE_INSERTED, TIMELINE_CTES } from './report-claim.sql.js';
import { identifierOf, REPORT_IDENTIFIER_PATTERN } from './report-identifier.js';

export interface ClaimSummary {
  /** Usage events aggregated (as text: may exceed 2^53 in theory). */
  events: string;
  reports: number;
  held: number;
}

/** A pending report as the sender needs it. */
export interface OutgoingReport {
  id: string;
  identifier: string;
  eventName: string;
  stripeCustomerId: string;
  units: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface ReportFailure {
  id: string;
  reason: string;
}

/** A report that has just become failed, as its report.failed notification describes it. */
export interface FailedReport {
  reportId: string;
  attempts: number;
  customerId: string;
  meter: string;
  windowStart: Date;
  windowEnd: Date;
  units: string;
  reason: string;
}

/** Follows a `failed` CTE (report_id, attempts, failure_reason) with what each report was. */
const FAILED_REPORT_DETAILS = `
SELECT f.report_id::text AS "reportId", f.attempts, r.customer_id AS "customerId", m.key AS meter, r.window_start AS "windowStart",
       r.window_end AS "windowEnd", ${sentUnitsOf('r')}::text AS units, f.failure_reason AS reason
FROM failed f JOIN usage_reports r ON r.id = f.report_id JOIN meters m ON m.id = r.meter_id`;

const TRANSACTION_POLL_MS = 20;

/**
 * Whether every transaction of this database older than $1 has ended (a transaction elsewhere on
 * the server cannot write our events, so it is not waited for). Only an optimization: the claim's
 * watermark stays safe whatever this answers.
 */
const OLDER_OWN_TRANSACTIONS_ENDED_SQL = `
SELECT NOT EXISTS (
  SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) AS running
  WHERE running < $1::xid8
    AND xid(running) IN (SELECT backend_xid FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL)
) AS ready`;

/** Every event and correction in [lo, hi) as report rows; $3 lo, $4 hi (bound values give the planner true row counts). */
export const CLAIM_NEW_EVENTS_SQL = `
WITH source AS (${ledgerRows(
  '$3::xid8 AS tx_from, $4::xid8 AS tx_to, NULL::timestamptz AS clamp_start, NULL::timestamptz AS clamp_end',
  '',
  'e.tx_id >= $3::xid8 AND e.tx_id < $4::xid8',
  'c.tx_id >= $3::xid8 AND c.tx_id < $4::xid8',
)}
),
${TIMELINE_CTES},
${classifyAndInsert(NEXT_SEQUENCE)}
${SUMMARIZE_INSERTED}`;

/**
 * The claim's aggregation is one hash aggregate over every new event: given memory it never
 * spills to disk. Only this transaction gets it.
 */
const CLAIM_WORK_MEM = '256MB';
const LARGE_CLAIM_REPORTS = 10_000;

/**
 * Held reports whose customer can now be billed (a Stripe customer and a billing period at or
 * after the usage, and somewhere to put it) are deleted and their events, found again by the
 * held row's transaction range and window, re-classified exactly like a fresh claim. The new rows
 * stay inside the held window, so every event still belongs to exactly one report.
 */
const RELEASE_HELD_SQL = `
WITH ${TIMELINE_CTES},
releasable AS (
  SELECT h.id, h.customer_id, h.meter_id, h.window_start, h.window_end, h.tx_from, h.tx_to
  FROM report_queue q
  JOIN usage_reports h ON h.id = q.report_id
  JOIN customers c ON c.id = h.customer_id AND c.stripe_customer_id IS NOT NULL
  JOIN meters m ON m.id = h.meter_id
  WHERE q.state = 'held'
    AND EXISTS (SELECT 1 FROM billing_periods p WHERE p.customer_id = h.customer_id AND p.meter_id = h.meter_id AND p.period_end > h.window_start)
    AND (m.late_usage_policy = 'record_only'
         OR EXISTS (SELECT 1 FROM open_periods o WHERE o.customer_id = h.customer_id AND o.meter_id = h.meter_id)
         OR EXISTS (SELECT 1 FROM billing_periods p
                    WHERE p.customer_id = h.customer_id AND p.meter_id = h.meter_id AND p.period_start < h.window_end
                      AND p.period_end > h.window_start AND NOT ${periodClosed('p.invoice_finalized_at', 'p.period_end')}))
),
unqueued AS (
  DELETE FROM report_queue q USING releasable r WHERE q.report_id = r.id
),
released AS (
  DELETE FROM usage_reports h USING releasable r WHERE h.id = r.id
  RETURNING h.customer_id, h.meter_id, h.window_start, h.window_end, h.tx_from, h.tx_to
),
source AS (${ledgerRows(
  'r.tx_from, r.tx_to, r.window_start AS clamp_start, r.window_end AS clamp_end',
  'released r, ',
  'e.customer_id = r.customer_id AND e.meter_id = r.meter_id AND e.event_time >= r.window_start AND e.event_time < r.window_end AND e.tx_id >= r.tx_from AND e.tx_id < r.tx_to',
  'c.customer_id = r.customer_id AND c.meter_id = r.meter_id AND c.event_time >= r.window_start AND c.event_time < r.window_end AND c.tx_id >= r.tx_from AND c.tx_id < r.tx_to',
)}
),
${classifyAndInsert(NEXT_SEQUENCES_RANKED)}
${SUMMARIZE_INSERTED}`;

/**
 * Pending reports whose period closed meanwhile (invoice finalized, grace over, or too old for
 * Stripe) would reach Stripe but no invoice: they follow the late policy now, with the same
 * identifier. If an earlier, unanswered try did reach Stripe, it did so before the period closed
 * (so it is on that invoice) and Stripe answers the resend with "already exists".
 */
const RECLASSIFY_STALE_SQL = `
WITH ${TIMELINE_CTES},
stale AS (
  SELECT r.id, m.late_usage_policy = 'record_only' AS record_only, o.period_id AS open_period_id, o.period_start AS open_period_start
  FROM report_queue q
  JOIN usage_reports r ON r.id = q.report_id
  JOIN billing_periods p ON p.id = r.billing_period_id
  JOIN meters m ON m.id = r.meter_id
  LEFT JOIN open_periods o ON o.customer_id = r.customer_id AND o.meter_id = r.meter_id AND o.period_id <> r.billing_period_id
  WHERE q.state = 'pending'
    AND (${periodClosed('p.invoice_finalized_at', 'p.period_end', '$1')} OR r.report_time <= now() - ${STRIPE_MAX_EVENT_AGE})
),
moved AS (
  UPDATE usage_reports r
  SET late_adjustment = NOT s.record_only AND s.open_period_id IS NOT NULL,
      late_unbillable = s.record_only,
      billing_period_id = CASE WHEN s.record_only THEN r.billing_period_id ELSE s.open_period_id END,
      report_time = CASE WHEN NOT s.record_only AND s.open_period_id IS NOT NULL THEN s.open_period_start ELSE r.report_time END
  FROM stale s
  WHERE r.id = s.id
  RETURNING r.id
),
unbillable AS (
  DELETE FROM report_queue q USING stale s WHERE q.report_id = s.id AND s.record_only
),
held AS (
  UPDATE report_queue q SET state = 'held' FROM stale s WHERE q.report_id = s.id AND NOT s.record_only AND s.open_period_id IS NULL
)
SELECT id FROM moved`;

/**
 * The next page of pending reports after `cursor`, oldest first, with what the meter event needs;
 * $4 the reports to leave for a later run. The cursor bounds usage_reports as well as the queue:
 * joined only by id, the merge join read usage_reports from its first row on every page, so a
 * drain read its reports quadratically (each page scanning every report before the cursor).
 */
export const PENDING_PAGE_SQL = `
SELECT r.id::text AS id, ${identifierOf('r')} AS identifier, m.event_name AS "eventName", c.stripe_customer_id AS "stripeCustomerId",
       ${sentUnitsOf('r')}::text AS units, floor(extract(epoch FROM r.report_time))::bigint::text AS timestamp
FROM report_queue q
JOIN usage_reports r ON r.id = q.report_id
JOIN customers c ON c.id = r.customer_id
JOIN meters m ON m.id = r.meter_id
WHERE q.state = 'pending' AND q.report_id > $1::bigint AND r.id > $1::bigint AND ($3::bigint[] IS NULL OR r.billing_period_id = ANY($3::bigint[]))
  AND NOT q.report_id = ANY($4::bigint[])
ORDER BY q.report_id
LIMIT $2`;

/** Report rows and the watermark: the reporter's set-based SQL, on MikroORM's pg pool. */
@Injectable()
export class UsageReportsRepository {
  constructor(
    private readonly sql: NativeSql,
    private readonly config: AppConfig,
  ) {}

  private query<T>(text: string, values: unknown[]): Promise<T[]> {
    return this.sql.query<T>(text, values);
  }

  private get claimParameters(): [string, number] {
    return [this.config.reporting.window, this.config.reporting.finalizationGraceMinutes];
  }

  /**
   * Waits (at most `maxWaitMs`) until every transaction of this database that had an id when this
   * was called has ended, so that the claim that follows includes every event committed before the
   * run began. A longer transaction only delays those events to a later run.
   */
  async waitForOlderTransactions(maxWaitMs: number): Promise<boolean> {
    const [{ target }] = (await this.query<{ target: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS target', [])) as [{ target: string }];
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      const [{ ready }] = (await this.query<{ ready: boolean }>(OLDER_OWN_TRANSACTIONS_ENDED_SQL, [target])) as [{ ready: boolean }];
      if (ready) return true;
      if (performance.now() >= deadline) return false;
      await sleep(TRANSACTION_POLL_MS);
    }
  }

  /**
   * Claims every event committed below the watermark's new position, in one transaction with
   * the watermark's advance: a crash redoes the whole claim, and the events are never updated.
   */
  async claimNewEvents(): Promise<ClaimSummary> {
    const summary = await this.sql.transaction(async (query) => {
      await query(`SET LOCAL work_mem = '${CLAIM_WORK_MEM}'`);
      const { lo, hi } = await lockWatermark(query, 'reporter_watermark');
      const [claimed] = await query<ClaimSummary>(CLAIM_NEW_EVENTS_SQL, [...this.claimParameters, lo, hi]);
      await advanceWatermark(query, 'reporter_watermark', hi);
      return claimed!;
    });
    // after a large claim the planner must know the queue is no longer tiny, or it reads every
    // report for each page; autovacuum would tell it too, but only a minute later
    if (summary.reports >= LARGE_CLAIM_REPORTS) await this.query('ANALYZE usage_reports, report_queue', []);
    return summary;
  }

  releaseHeld(): Promise<ClaimSummary> {
    return this.query<ClaimSummary>(RELEASE_HELD_SQL, this.claimParameters).then(([row]) => row!);
  }

  /** Returns how many stale reports changed. */
  async reclassifyStale(): Promise<number> {
    return (await this.query(RECLASSIFY_STALE_SQL, [this.config.reporting.finalizationGraceMinutes])).length;
  }

  /** `periodIds` restricts the page to reports billed in those periods (a period flush); `later` are left pending. */
  async pendingPage(cursor: string, limit: number, periodIds: string[] | null, later: string[] = []): Promise<OutgoingReport[]> {
    const rows = await this.query<Omit<OutgoingReport, 'timestamp'> & { timestamp: string }>(PENDING_PAGE_SQL, [cursor, limit, periodIds, later]);
    return rows.map((row) => ({ ...row, timestamp: Number(row.timestamp) }));
  }

  /** Delivered reports leave the queue: that is what "sent" is; report_deliveries keeps when. */
  async markDelivered(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.query(
      `WITH sent AS (DELETE FROM report_queue WHERE report_id = ANY($1::bigint[]) AND state = 'pending' RETURNING report_id)
       INSERT INTO report_deliveries (report_id) SELECT report_id FROM sent ON CONFLICT (report_id) DO NOTHING`,
      [ids],
    );
  }

  /** Transient failures stay pending for the next run, their attempt counted. */
  async markRetryLater(failures: ReportFailure[]): Promise<void> {
    if (!failures.length) return;
    await this.query(
      `UPDATE report_queue q SET attempts = q.attempts + 1, failure_reason = f.reason
       FROM unnest($1::bigint[], $2::text[]) AS f(id, reason)
       WHERE q.report_id = f.id AND q.state = 'pending'`,
      [failures.map((failure) => failure.id), failures.map((failure) => failure.reason)],
    );
  }

  /**
   * Refused by Stripe: failed, not retried. Runs in the caller's transaction (which announces each
   * failure) and returns what each report was.
   */
  markFailed(query: SqlQuery, failures: ReportFailure[]): Promise<FailedReport[]> {
    if (!failures.length) return Promise.resolve([]);
    return query<FailedReport>(
      `WITH failed AS (
         UPDATE report_queue q SET state = 'failed', attempts = q.attempts + 1, failure_reason = f.reason
         FROM unnest($1::bigint[], $2::text[]) AS f(id, reason)
         WHERE q.report_id = f.id AND q.state = 'pending'
         RETURNING q.report_id, q.attempts, q.failure_reason
       )
       ${FAILED_REPORT_DETAILS}`,
      [failures.map((failure) => failure.id), failures.map((failure) => failure.reason)],
    );
  }

  /**
   * Meter events Stripe accepted on the stream and rejected afterwards (its asynchronous error
   * reports name them by identifier, a part's `_p<k>` suffix included): their report is failed,
   * with Stripe's reason, in the caller's transaction.
   */
  markRejectedByIdentifier(query: SqlQuery, rejections: { identifier: string; reason: string }[]): Promise<FailedReport[]> {
    if (!rejections.length) return Promise.resolve([]);
    return query<FailedReport>(
      `WITH named AS MATERIALIZED (
         SELECT split_part(identifier, '_', 2)::uuid AS customer_id, split_part(identifier, '_', 3)::uuid AS meter_id,
                timestamptz 'epoch' + split_part(identifier, '_', 4)::bigint * interval '1 microsecond' AS window_start,
                split_part(identifier, '_', 5)::int AS sequence, reason
         FROM unnest($1::text[], $2::text[]) AS f(identifier, reason)
         WHERE identifier ~ '${REPORT_IDENTIFIER_PATTERN}'
       ),
       failed AS (
         INSERT INTO report_queue (report_id, state, failure_reason)
         -- one row per report: several of its parts may be named, and a row cannot be updated twice
         SELECT DISTINCT ON (r.id) r.id, 'failed', n.reason
         FROM named n
         JOIN usage_reports r ON r.customer_id = n.customer_id AND r.meter_id = n.meter_id AND r.window_start = n.window_start AND r.sequence = n.sequence
         WHERE NOT r.late_unbillable
         ORDER BY r.id
         ON CONFLICT (report_id) DO UPDATE SET state = 'failed', failure_reason = excluded.failure_reason
         RETURNING report_id, attempts, failure_reason
       )
       ${FAILED_REPORT_DETAILS}`,
      [rejections.map((rejection) => rejection.identifier), rejections.map((rejection) => rejection.reason)],
    );
  }

  /** The billing periods of a subscription (ours or Stripe's id) that end at `periodEnd`. */
  async periodsEndingAt(subscription: string, periodEnd: Date): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `SELECT p.id::text AS id FROM billing_periods p
       JOIN subscription_items i ON i.id = p.subscription_item_id
       JOIN subscriptions s ON s.id = i.subscription_id
       WHERE (s.id::text = $1 OR s.stripe_subscription_id = $1) AND p.period_end = $2`,
      [subscription, periodEnd],
    );
    return rows.map((row) => row.id);
  }
}
