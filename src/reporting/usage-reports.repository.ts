import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { NativeSql } from './native-sql.js';
import { sleep } from './rate-limiter.js';
import { CLASSIFY_AND_INSERT, periodClosed, STRIPE_MAX_EVENT_AGE, SUMMARIZE_INSERTED, TIMELINE_CTES } from './report-claim.sql.js';

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

const TRANSACTION_POLL_MS = 20;

/**
 * Claims every usage event committed below the snapshot's xmin and not yet claimed, as report
 * rows, and moves the watermark there: one statement, so aggregation and watermark advance
 * commit together (a crash redoes the whole claim) and the events themselves are never updated.
 * xmin is the lowest transaction still running: every event written by an older transaction is
 * committed (or rolled back) and visible to this statement, so nothing below it can appear later.
 */
const CLAIM_NEW_EVENTS_SQL = `
WITH bounds AS (
  SELECT last_tx AS lo, greatest(last_tx, pg_snapshot_xmin(pg_current_snapshot())) AS hi
  FROM reporter_watermark WHERE id = 1 FOR UPDATE
),
source AS (
  SELECT e.customer_id, e.meter_id, e.value, e.event_time, e.id, e.received_at, b.lo AS tx_from, b.hi AS tx_to,
         NULL::timestamptz AS clamp_start, NULL::timestamptz AS clamp_end
  FROM usage_events e CROSS JOIN bounds b
  WHERE e.tx_id >= b.lo AND e.tx_id < b.hi
),
${TIMELINE_CTES},
${CLASSIFY_AND_INSERT},
advanced AS (
  UPDATE reporter_watermark w SET last_tx = b.hi FROM bounds b WHERE w.id = 1 RETURNING w.last_tx
)
${SUMMARIZE_INSERTED}`;

/**
 * Held reports whose customer can now be billed (a Stripe customer and a billing period at or
 * after the usage, and somewhere to put it) are deleted and their events, found again by the
 * held row's transaction range and window, re-classified exactly like a fresh claim. The new rows
 * stay inside the held window, so every event still belongs to exactly one report.
 */
const RELEASE_HELD_SQL = `
WITH ${TIMELINE_CTES},
released AS (
  DELETE FROM usage_reports h USING customers c, meters m
  WHERE h.status = 'held' AND c.id = h.customer_id AND c.stripe_customer_id IS NOT NULL AND m.id = h.meter_id
    AND EXISTS (SELECT 1 FROM billing_periods p WHERE p.customer_id = h.customer_id AND p.meter_id = h.meter_id AND p.period_end > h.window_start)
    AND (m.late_usage_policy = 'record_only'
         OR EXISTS (SELECT 1 FROM open_periods o WHERE o.customer_id = h.customer_id AND o.meter_id = h.meter_id)
         OR EXISTS (SELECT 1 FROM billing_periods p
                    WHERE p.customer_id = h.customer_id AND p.meter_id = h.meter_id AND p.period_start < h.window_end
                      AND p.period_end > h.window_start AND NOT ${periodClosed('p.invoice_finalized_at', 'p.period_end')}))
  RETURNING h.customer_id, h.meter_id, h.window_start, h.window_end, h.tx_from, h.tx_to
),
source AS (
  SELECT e.customer_id, e.meter_id, e.value, e.event_time, e.id, e.received_at, r.tx_from, r.tx_to,
         r.window_start AS clamp_start, r.window_end AS clamp_end
  FROM released r
  JOIN usage_events e ON e.customer_id = r.customer_id AND e.meter_id = r.meter_id
   AND e.event_time >= r.window_start AND e.event_time < r.window_end AND e.tx_id >= r.tx_from AND e.tx_id < r.tx_to
),
${CLASSIFY_AND_INSERT}
${SUMMARIZE_INSERTED}`;

/**
 * Pending reports that were never tried and whose period closed meanwhile (invoice finalized,
 * grace over, or too old for Stripe) would reach Stripe but no invoice: they follow the late
 * policy now. Reports already tried keep their timestamp, since Stripe may hold them already.
 */
const RECLASSIFY_STALE_SQL = `
WITH ${TIMELINE_CTES},
stale AS (
  SELECT r.id, m.late_usage_policy = 'record_only' AS record_only, o.period_id AS open_period_id, o.period_start AS open_period_start
  FROM usage_reports r
  JOIN billing_periods p ON p.id = r.billing_period_id
  JOIN meters m ON m.id = r.meter_id
  LEFT JOIN open_periods o ON o.customer_id = r.customer_id AND o.meter_id = r.meter_id AND o.period_id <> r.billing_period_id
  WHERE r.status = 'pending' AND r.attempts = 0
    AND (${periodClosed('p.invoice_finalized_at', 'p.period_end', '$1')} OR r.report_time <= now() - ${STRIPE_MAX_EVENT_AGE})
)
UPDATE usage_reports r
SET status = CASE WHEN s.record_only THEN 'late_unbillable' WHEN s.open_period_id IS NULL THEN 'held' ELSE 'pending' END,
    late_adjustment = NOT s.record_only AND s.open_period_id IS NOT NULL,
    billing_period_id = CASE WHEN s.record_only THEN r.billing_period_id ELSE s.open_period_id END,
    report_time = CASE WHEN NOT s.record_only AND s.open_period_id IS NOT NULL THEN s.open_period_start ELSE r.report_time END
FROM stale s
WHERE r.id = s.id
RETURNING r.status`;

/**
 * The next page of pending reports after `cursor`, oldest first, counted as one more attempt in
 * the same statement (an attempted report is never re-timestamped by RECLASSIFY_STALE_SQL).
 */
const TAKE_PENDING_PAGE_SQL = `
WITH page AS (
  SELECT id FROM usage_reports
  WHERE status = 'pending' AND id > $1::bigint AND ($3::bigint[] IS NULL OR billing_period_id = ANY($3::bigint[]))
  ORDER BY id LIMIT $2
)
UPDATE usage_reports r SET attempts = r.attempts + 1
FROM page, customers c, meters m
WHERE r.id = page.id AND c.id = r.customer_id AND m.id = r.meter_id
RETURNING r.id::text AS id, r.identifier, m.event_name AS "eventName", c.stripe_customer_id AS "stripeCustomerId",
          r.units::text AS units, floor(extract(epoch FROM r.report_time))::bigint::int AS timestamp`;

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
   * Waits (at most `maxWaitMs`) until every transaction that had an id when this was called has
   * ended, so that the claim that follows includes every event committed before the run began,
   * whatever else the server is doing. A longer transaction only delays those events to a later run.
   */
  async waitForOlderTransactions(maxWaitMs: number): Promise<boolean> {
    const [{ target }] = (await this.query<{ target: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS target', [])) as [{ target: string }];
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      const [{ ready }] = (await this.query<{ ready: boolean }>('SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ready', [target])) as [{ ready: boolean }];
      if (ready) return true;
      if (performance.now() >= deadline) return false;
      await sleep(TRANSACTION_POLL_MS);
    }
  }

  claimNewEvents(): Promise<ClaimSummary> {
    return this.query<ClaimSummary>(CLAIM_NEW_EVENTS_SQL, this.claimParameters).then(([row]) => row!);
  }

  releaseHeld(): Promise<ClaimSummary> {
    return this.query<ClaimSummary>(RELEASE_HELD_SQL, this.claimParameters).then(([row]) => row!);
  }

  /** Returns how many stale reports changed. */
  async reclassifyStale(): Promise<number> {
    return (await this.query(RECLASSIFY_STALE_SQL, [this.config.reporting.finalizationGraceMinutes])).length;
  }

  /** `periodIds` restricts the page to reports billed in those periods (a period flush). */
  async takePendingPage(cursor: string, limit: number, periodIds: string[] | null): Promise<OutgoingReport[]> {
    const rows = await this.query<OutgoingReport>(TAKE_PENDING_PAGE_SQL, [cursor, limit, periodIds]);
    return rows.sort((a, b) => compareIds(a.id, b.id));
  }

  async markDelivered(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.query(
      `UPDATE usage_reports SET status = 'sent', sent_at = now(), failure_reason = NULL WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids],
    );
  }

  async markFailed(failures: ReportFailure[]): Promise<void> {
    if (!failures.length) return;
    await this.query(
      `UPDATE usage_reports r SET status = 'failed', failure_reason = f.reason
       FROM unnest($1::bigint[], $2::text[]) AS f(id, reason)
       WHERE r.id = f.id AND r.status = 'pending'`,
      [failures.map((failure) => failure.id), failures.map((failure) => failure.reason)],
    );
  }

  /** Transient failures: the reports stay pending for the next run, with the last error shown in status. */
  async recordRetryLater(failures: ReportFailure[]): Promise<void> {
    if (!failures.length) return;
    await this.query(
      `UPDATE usage_reports r SET failure_reason = f.reason
       FROM unnest($1::bigint[], $2::text[]) AS f(id, reason)
       WHERE r.id = f.id AND r.status = 'pending'`,
      [failures.map((failure) => failure.id), failures.map((failure) => failure.reason)],
    );
  }

  /**
   * Meter events Stripe accepted on the stream and rejected afterwards (its asynchronous error
   * reports name them by identifier): failed, with Stripe's reason. Returns how many matched.
   */
  async markRejectedByIdentifier(rejections: { identifier: string; reason: string }[]): Promise<number> {
    if (!rejections.length) return 0;
    const rows = await this.query(
      `UPDATE usage_reports r SET status = 'failed', failure_reason = f.reason
       FROM unnest($1::text[], $2::text[]) AS f(identifier, reason)
       WHERE r.identifier = f.identifier AND r.status IN ('pending', 'sent', 'confirmed')
       RETURNING r.id`,
      [rejections.map((rejection) => rejection.identifier), rejections.map((rejection) => rejection.reason)],
    );
    return rows.length;
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

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
