import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { periodClosed, STRIPE_MAX_EVENT_AGE } from '../reporting/report-claim.sql.js';
import type { CorrectionBilling } from './usage-correction.entity.js';

/** A query inside the correction's transaction. */
export type TxQuery = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/** The corrected event, locked for the transaction: corrections of one event are made one at a time. */
export interface LockedEvent {
  id: string;
  idempotencyKey: string;
  meterId: string;
  meter: string;
  aggregation: 'sum' | 'count' | 'last';
  lateUsagePolicy: 'next_period' | 'record_only';
  /** The event's value now: its latest correction's, else its own. */
  currentValue: string;
  corrected: boolean;
  eventTime: Date;
}

export interface CorrectionRow {
  id: string;
  correctionKey: string;
  customerId: string;
  eventId: string;
  idempotencyKey: string;
  meter: string;
  previousValue: string;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
  billing: CorrectionBilling;
  billable: boolean;
  lateUsagePolicy: string;
}

export interface NewCorrection {
  event: LockedEvent;
  customerId: string;
  correctionKey: string;
  value: string;
  reportUnits: string;
  billable: boolean;
  reason: string;
  createdBy: string;
  billing: CorrectionBilling;
}

const CORRECTION_COLUMNS = `
  c.id::text AS id, c.correction_key AS "correctionKey", c.customer_id AS "customerId", c.event_id::text AS "eventId",
  e.idempotency_key AS "idempotencyKey", m.key AS meter, c.previous_value::text AS "previousValue", c.value::text AS value,
  c.reason, c.created_by AS "createdBy", c.created_at AS "createdAt", c.billing, c.billable, m.late_usage_policy AS "lateUsagePolicy"`;
const CORRECTION_FROM = 'usage_corrections c JOIN usage_events e ON e.id = c.event_id JOIN meters m ON m.id = c.meter_id';

/** The event's value now, by its latest correction (`ev` is the usage_events alias). */
const currentValue = (ev: string) => `coalesce((SELECT lc.value FROM usage_corrections lc WHERE lc.event_id = ${ev}.id ORDER BY lc.id DESC LIMIT 1), ${ev}.value)`;

/** The corrections ledger: append-only rows, written inside one transaction per correction. */
@Injectable()
export class CorrectionsRepository {
  constructor(private readonly sql: NativeSql) {}

  transaction<T>(work: (query: TxQuery) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  async resolveCustomer(query: TxQuery, customerId: string | null, externalCustomerId: string | null): Promise<string | undefined> {
    const [row] = await query<{ id: string }>(
      `SELECT id FROM customers WHERE id = $1::uuid UNION ALL SELECT id FROM customers WHERE external_id = $2 LIMIT 1`,
      [customerId, externalCustomerId],
    );
    return row?.id;
  }

  /** Locks the event (FOR UPDATE): two corrections of one event, or two replicas retrying one, run one after the other. */
  async lockEvent(query: TxQuery, customerId: string, idempotencyKey: string): Promise<LockedEvent | undefined> {
    const [row] = await query<LockedEvent>(
      `SELECT e.id::text AS id, e.idempotency_key AS "idempotencyKey", e.meter_id AS "meterId", m.key AS meter, m.aggregation,
              m.late_usage_policy AS "lateUsagePolicy", ${currentValue('e')}::text AS "currentValue",
              EXISTS (SELECT 1 FROM usage_corrections x WHERE x.event_id = e.id) AS corrected, e.event_time AS "eventTime"
       FROM usage_events e JOIN meters m ON m.id = e.meter_id
       WHERE e.customer_id = $1 AND e.idempotency_key = $2
       FOR UPDATE OF e`,
      [customerId, idempotencyKey],
    );
    return row;
  }

  async byKey(query: TxQuery, customerId: string, correctionKey: string): Promise<CorrectionRow | undefined> {
    const [row] = await query<CorrectionRow>(`SELECT ${CORRECTION_COLUMNS} FROM ${CORRECTION_FROM} WHERE c.customer_id = $1 AND c.correction_key = $2`, [customerId, correctionKey]);
    return row;
  }

  /**
   * For a last meter: whether the event is the latest (by time, then id) of its customer × meter
   * within its billing period (or, without one, ever), and the value the period's latest event
   * would have without it (the latest earlier event not voided, else 0). Events the retention job
   * rolled up count through each usage_daily bucket's latest event (docs/retention.md).
   */
  async lastMeterPosition(query: TxQuery, customerId: string, event: LockedEvent): Promise<{ latest: boolean; fallback: string }> {
    const [row] = await query<{ latest: boolean; fallback: string }>(
      `WITH period AS (
         SELECT coalesce(min(p.period_start), '-infinity') AS period_start, coalesce(min(p.period_end), 'infinity') AS period_end
         FROM billing_periods p WHERE p.customer_id = $1 AND p.meter_id = $2 AND p.period_start <= $3 AND p.period_end > $3
       )
       SELECT NOT EXISTS (
                SELECT 1 FROM usage_events o, period
                WHERE o.customer_id = $1 AND o.meter_id = $2 AND o.event_time < period.period_end
                  AND (o.event_time, o.id) > ($3::timestamptz, $4::bigint)
              ) AND NOT EXISTS (
                SELECT 1 FROM usage_daily d, period
                WHERE d.customer_id = $1 AND d.meter_id = $2 AND d.bucket_start < period.period_end
                  AND (d.last_time, d.last_event_id) > ($3::timestamptz, $4::bigint)
              ) AS latest,
              coalesce((
                SELECT earlier.value FROM (
                  SELECT o.event_time, o.id, ${currentValue('o')} AS value FROM usage_events o, period
                  WHERE o.customer_id = $1 AND o.meter_id = $2 AND o.event_time >= period.period_start
                    AND (o.event_time, o.id) < ($3::timestamptz, $4::bigint) AND ${currentValue('o')} <> 0
                  UNION ALL
                  SELECT d.last_time, d.last_event_id, d.last_value FROM usage_daily d, period
                  WHERE d.customer_id = $1 AND d.meter_id = $2 AND d.bucket_start >= period.period_start
                    AND (d.last_time, d.last_event_id) < ($3::timestamptz, $4::bigint) AND d.last_value <> 0
                ) earlier
                ORDER BY earlier.event_time DESC, earlier.id DESC LIMIT 1
              ), 0)::text AS fallback`,
      [customerId, event.meterId, event.eventTime, event.id],
    );
    return row!;
  }

  /**
   * pending / adjusting / late for a correction of `event`: late when its billing period can no
   * longer change (invoice final, grace over, or past Stripe's 35 days); adjusting when Stripe
   * already holds a report carrying the event or one of its corrections; else pending.
   */
  async billingOf(query: TxQuery, customerId: string, event: LockedEvent, graceMinutes: number): Promise<CorrectionBilling> {
    const [row] = await query<{ billing: CorrectionBilling }>(
      `SELECT CASE
         WHEN EXISTS (SELECT 1 FROM billing_periods p WHERE p.customer_id = $1 AND p.meter_id = $2 AND p.period_start <= $3 AND p.period_end > $3
                        AND ${periodClosed('p.invoice_finalized_at', 'p.period_end', '$5')})
              OR $3 <= now() - ${STRIPE_MAX_EVENT_AGE} THEN 'late'
         WHEN EXISTS (
           SELECT 1 FROM usage_reports r
           WHERE r.customer_id = $1 AND r.meter_id = $2 AND r.window_start <= $3 AND r.window_end > $3 AND r.window_start > $3 - interval '24 hours'
             AND NOT EXISTS (SELECT 1 FROM report_queue q WHERE q.report_id = r.id)
             AND EXISTS (SELECT 1 FROM usage_events e WHERE e.id = $4 AND e.tx_id >= r.tx_from AND e.tx_id < r.tx_to
                         UNION ALL SELECT 1 FROM usage_corrections c WHERE c.event_id = $4 AND c.tx_id >= r.tx_from AND c.tx_id < r.tx_to)
         ) THEN 'adjusting'
         ELSE 'pending' END AS billing`,
      [customerId, event.meterId, event.eventTime, event.id, graceMinutes],
    );
    return row!.billing;
  }

  /** Inserts the correction; undefined when its key was taken meanwhile (by a correction of another event). */
  async insert(query: TxQuery, correction: NewCorrection): Promise<CorrectionRow | undefined> {
    const { event } = correction;
    const inserted = await query<{ id: string }>(
      `INSERT INTO usage_corrections (event_id, customer_id, meter_id, correction_key, value, previous_value, report_units, billable, reason, created_by, billing, event_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (customer_id, correction_key) DO NOTHING
       RETURNING id`,
      [event.id, correction.customerId, event.meterId, correction.correctionKey, correction.value, event.currentValue, correction.reportUnits, correction.billable, correction.reason, correction.createdBy, correction.billing, event.eventTime],
    );
    if (inserted.length === 0) return undefined;
    return this.byKey(query, correction.customerId, correction.correctionKey);
  }
}
