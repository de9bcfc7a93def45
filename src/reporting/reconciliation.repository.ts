import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

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

/**
 * Units delivered (sent or confirmed) per customer × meter × UTC day of the meter event's
 * timestamp, aggregated the way the Stripe meter does (sum, or the latest value for `last`),
 * for every customer × meter that had delivered reports or a billing period in the range.
 */
const LOCAL_TOTALS_SQL = `
WITH delivered AS (
  SELECT r.customer_id, r.meter_id, date_trunc('day', r.report_time, 'UTC') AS day,
         CASE WHEN min(m.aggregation) = 'last' THEN (array_agg(r.units ORDER BY r.report_time DESC, r.id DESC))[1] ELSE sum(r.units) END AS units
  FROM usage_reports r JOIN meters m ON m.id = r.meter_id
  WHERE r.status IN ('sent', 'confirmed') AND r.report_time >= ? AND r.report_time < ?
  GROUP BY r.customer_id, r.meter_id, date_trunc('day', r.report_time, 'UTC')
),
pairs AS (
  SELECT customer_id, meter_id FROM delivered
  UNION
  SELECT customer_id, meter_id FROM billing_periods WHERE period_start < ? AND period_end > ?
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

@Injectable()
export class ReconciliationRepository {
  constructor(private readonly em: EntityManager) {}

  localTotals(from: Date, to: Date): Promise<ReconciliationPair[]> {
    return this.em.getConnection().execute<ReconciliationPair[]>(LOCAL_TOTALS_SQL, [from, to, to, from]);
  }

  async start(trigger: string, from: Date, to: Date): Promise<string> {
    const [row] = await this.em
      .getConnection()
      .execute<{ id: string }[]>(`INSERT INTO reconciliation_runs (trigger, range_from, range_to, started_at) VALUES (?, ?, ?, now()) RETURNING id::text AS id`, [trigger, from, to]);
    return row!.id;
  }

  /** Stores every drift and closes the run, in one transaction. */
  finish(runId: string, compared: number, drifts: DriftCell[], error: string | null): Promise<ReconciliationRunRecord> {
    return this.em.fork().transactional(async (em) => {
      await em.execute(
        `INSERT INTO reconciliation_drifts (run_id, customer_id, meter_id, day, local_units, stripe_units)
         SELECT ?, * FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::numeric[], ?::numeric[])`,
        [runId, drifts.map((d) => d.customerId), drifts.map((d) => d.meterId), drifts.map((d) => d.day), drifts.map((d) => d.localUnits), drifts.map((d) => d.stripeUnits)],
      );
      const [row] = await em.execute<ReconciliationRunRecord[]>(
        `UPDATE reconciliation_runs SET finished_at = now(), compared = ?, drift_count = ?, error = ? WHERE id = ? RETURNING ${RUN_COLUMNS}`,
        [compared, drifts.length, error, runId],
      );
      return row!;
    });
  }

  /**
   * Sent reports of cells where Stripe agreed become confirmed. `cells` are customer × meter ×
   * day triples, matched in one statement.
   */
  async confirmMatched(cells: { customerId: string; meterId: string; day: Date }[], from: Date, to: Date): Promise<void> {
    if (!cells.length) return;
    await this.em.getConnection().execute(
      `UPDATE usage_reports r SET status = 'confirmed', confirmed_at = now()
       FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[]) AS cell(customer_id, meter_id, day)
       WHERE r.status = 'sent' AND r.customer_id = cell.customer_id AND r.meter_id = cell.meter_id
         AND r.report_time >= cell.day AND r.report_time < cell.day + interval '24 hours'
         AND r.report_time >= ? AND r.report_time < ?`,
      [cells.map((c) => c.customerId), cells.map((c) => c.meterId), cells.map((c) => c.day), from, to],
    );
  }

  async drifts(runId: string): Promise<DriftCell[]> {
    return this.em.getConnection().execute<DriftCell[]>(
      `SELECT customer_id AS "customerId", meter_id AS "meterId", day, local_units::text AS "localUnits", stripe_units::text AS "stripeUnits"
       FROM reconciliation_drifts WHERE run_id = ? ORDER BY day, customer_id, meter_id`,
      [runId],
    );
  }
}
