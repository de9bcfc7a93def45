import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { heldOnStripeOf } from './report-claim.sql.js';

/** One customer × meter to compare, with what local state says reached Stripe per UTC day. */
export interface ReconciliationPair {
  customerId: string;
  meterId: string;
  stripeCustomerId: string;
  stripeMeterId: string;
  /** Day start (ISO) → units, as a decimal string. */
  localByDay: Record<string, string>;
}

export interface DriftCell {
  customerId: string;
  meterId: string;
  day: Date;
  localUnits: string;
  stripeUnits: string;
}

export interface StoredDrift extends DriftCell {
  /** stripeUnits − localUnits, exact. */
  difference: string;
}

/** A drift as its reconciliation.drift_found notification shows it. */
export interface AnnouncedDrift {
  customerId: string;
  meter: string;
  day: Date;
  localUnits: string;
  stripeUnits: string;
}

/** A notification lists this many drifts at most; the run has them all. */
const ANNOUNCED_DRIFTS = 100;

export interface ReconciliationRunRecord {
  id: string;
  trigger: string;
  rangeFrom: Date;
  rangeTo: Date;
  startedAt: Date;
  finishedAt: Date | null;
  compared: number;
  driftCount: number;
  error: string | null;
}

/** A report Stripe accepted: sent (no longer queued) and not kept back as late and unbillable. */
const DELIVERED = (r: string) => `NOT ${r}.late_unbillable AND NOT EXISTS (SELECT 1 FROM report_queue q WHERE q.report_id = ${r}.id)`;

/**
 * Units delivered (sent or confirmed) per customer × meter × UTC day of the meter event's
 * timestamp, aggregated the way the Stripe meter does (sum of what Stripe holds of each report,
 * cancels and take-overs by correction reports included; or the latest value for `last`),
 * for every customer × meter that had delivered reports or a billing period in the range.
 */
const LOCAL_TOTALS_SQL = `
WITH delivered AS (
  SELECT r.customer_id, r.meter_id, date_trunc('day', r.report_time, 'UTC') AS day,
         CASE WHEN min(m.aggregation) = 'last' THEN (array_agg(r.units ORDER BY r.report_time DESC, r.id DESC))[1] ELSE sum(${heldOnStripeOf('r')}) END AS units
  FROM usage_reports r JOIN meters m ON m.id = r.meter_id
  WHERE r.report_time >= $1 AND r.report_time < $2 AND ${DELIVERED('r')}
  GROUP BY r.customer_id, r.meter_id, date_trunc('day', r.report_time, 'UTC')
),
pairs AS (
  SELECT customer_id, meter_id FROM delivered
  UNION
  SELECT customer_id, meter_id FROM billing_periods WHERE period_start < $2 AND period_end > $1
)
SELECT p.customer_id AS "customerId", p.meter_id AS "meterId", c.stripe_customer_id AS "stripeCustomerId", m.stripe_meter_id AS "stripeMeterId",
       coalesce((SELECT json_object_agg(to_char(d.day AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), d.units::text)
                 FROM delivered d WHERE d.customer_id = p.customer_id AND d.meter_id = p.meter_id), '{}') AS "localByDay"
FROM pairs p
JOIN customers c ON c.id = p.customer_id AND c.stripe_customer_id IS NOT NULL
JOIN meters m ON m.id = p.meter_id AND m.stripe_meter_id IS NOT NULL
ORDER BY p.customer_id, p.meter_id`;

const RUN_COLUMNS = `id::text AS id, trigger, range_from AS "rangeFrom", range_to AS "rangeTo", started_at AS "startedAt",
  finished_at AS "finishedAt", compared, drift_count AS "driftCount", error`;

/** Stores the drifts and closes the run in one statement, so a run never shows half its drifts. */
const FINISH_RUN_SQL = `
WITH drifts AS (
  INSERT INTO reconciliation_drifts (run_id, customer_id, meter_id, day, local_units, stripe_units)
  SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::numeric[], $6::numeric[])
)
UPDATE reconciliation_runs SET finished_at = now(), compared = $7, drift_count = cardinality($2::uuid[]), error = $8
WHERE id = $1
RETURNING ${RUN_COLUMNS}`;

@Injectable()
export class ReconciliationRepository {
  constructor(private readonly sql: NativeSql) {}

  /** A background read over up to 35 days: exempt from the request-reads pool's statement_timeout. */
  localTotals(from: Date, to: Date): Promise<ReconciliationPair[]> {
    return this.sql.transaction(async (query) => {
      await query('SET LOCAL statement_timeout = 0');
      return query<ReconciliationPair>(LOCAL_TOTALS_SQL, [from, to]);
    });
  }

  /** Drifts of the latest finished run (0 before any run). */
  async latestDriftCount(): Promise<number> {
    const [row] = await this.sql.query<{ drifts: number }>(`SELECT drift_count AS drifts FROM reconciliation_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`);
    return row?.drifts ?? 0;
  }

  async start(trigger: string, from: Date, to: Date): Promise<string> {
    const [row] = await this.sql.query<{ id: string }>(
      `INSERT INTO reconciliation_runs (trigger, range_from, range_to, started_at) VALUES ($1, $2, $3, now()) RETURNING id::text AS id`,
      [trigger, from, to],
    );
    return row!.id;
  }

  /**
   * Closes the run; with drifts, `announce` runs in the same transaction with the run and its
   * drifts (meter keys included), so drift found is announced exactly when it is recorded.
   */
  finish(
    runId: string,
    compared: number,
    drifts: DriftCell[],
    error: string | null,
    announce?: (query: SqlQuery, run: ReconciliationRunRecord, drifts: AnnouncedDrift[]) => Promise<void>,
  ): Promise<ReconciliationRunRecord> {
    return this.sql.transaction(async (query) => {
      const [run] = await query<ReconciliationRunRecord>(FINISH_RUN_SQL, [
        runId,
        drifts.map((drift) => drift.customerId),
        drifts.map((drift) => drift.meterId),
        drifts.map((drift) => drift.day),
        drifts.map((drift) => drift.localUnits),
        drifts.map((drift) => drift.stripeUnits),
        compared,
        error,
      ]);
      if (announce && drifts.length) {
        const stored = await query<AnnouncedDrift>(
          `SELECT d.customer_id AS "customerId", m.key AS meter, d.day, trim_scale(d.local_units)::text AS "localUnits", trim_scale(d.stripe_units)::text AS "stripeUnits"
           FROM reconciliation_drifts d JOIN meters m ON m.id = d.meter_id WHERE d.run_id = $1 ORDER BY d.day, d.customer_id, d.meter_id LIMIT $2`,
          [runId, ANNOUNCED_DRIFTS],
        );
        await announce(query, run!, stored);
      }
      return run!;
    });
  }

  /** Sent reports of the customer × meter × day cells where Stripe agreed become confirmed, in one statement. */
  async confirmMatched(cells: { customerId: string; meterId: string; day: Date }[], from: Date, to: Date): Promise<void> {
    if (!cells.length) return;
    await this.sql.query(
      `UPDATE usage_reports r SET confirmed_at = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS cell(customer_id, meter_id, day)
       WHERE r.confirmed_at IS NULL AND ${DELIVERED('r')} AND r.customer_id = cell.customer_id AND r.meter_id = cell.meter_id
         AND r.report_time >= cell.day AND r.report_time < cell.day + interval '24 hours'
         AND r.report_time >= $4 AND r.report_time < $5`,
      [cells.map((cell) => cell.customerId), cells.map((cell) => cell.meterId), cells.map((cell) => cell.day), from, to],
    );
  }

  drifts(runId: string): Promise<StoredDrift[]> {
    return this.sql.query<StoredDrift>(
      `SELECT customer_id AS "customerId", meter_id AS "meterId", day, trim_scale(local_units)::text AS "localUnits",
              trim_scale(stripe_units)::text AS "stripeUnits", trim_scale(stripe_units - local_units)::text AS difference
       FROM reconciliation_drifts WHERE run_id = $1 ORDER BY day, customer_id, meter_id`,
      [runId],
    );
  }
}
