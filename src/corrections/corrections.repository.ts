import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { periodClosed, STRIPE_MAX_EVENT_AGE } from '../reporting/report-claim.sql.js';
import type { CorrectionBilling } from './usage-correction.entity.js';

/** A query inside the correction's transaction. */
export type TxQuery = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/** The corrected event, locked for the transaction: corrections of one event are made one at a time. */
export interface LockedEvent {
  id: string;
  customerId: string;
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
  correctionKey: string;
  value: string;
  /** The event's value before this correction (the batch's earlier corrections of it included). */
  previousValue: string;
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

/** A customer as a correction names it: by our id or by its external id. */
export interface CustomerRef {
  customerId: string | null;
  externalCustomerId: string | null;
}

/** Map key of a customer's usage event (idempotency key) or correction (correction key). */
export const keyOf = (customerId: string, key: string) => `${customerId}\u0000${key}`;

/** The corrections ledger: append-only rows; a batch of corrections is written in one transaction with a few set-based statements. */
@Injectable()
export class CorrectionsRepository {
  constructor(private readonly sql: NativeSql) {}

  transaction<T>(work: (query: TxQuery) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** Each reference's customer id, in order (undefined: no such customer). */
  async resolveCustomers(query: TxQuery, refs: CustomerRef[]): Promise<(string | undefined)[]> {
    const rows = await query<{ id: string | null }>(
      `SELECT coalesce((SELECT c.id FROM customers c WHERE c.id = r.customer_id), (SELECT c.id FROM customers c WHERE c.external_id = r.external_id)) AS id
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(customer_id, external_id, ord)
       ORDER BY r.ord`,
      [refs.map((ref) => ref.customerId), refs.map((ref) => ref.externalCustomerId)],
    );
    return rows.map((row) => row.id ?? undefined);
  }

  /**
   * Locks the named events (FOR UPDATE, in id order so two batches never deadlock): corrections
   * of one event, or two replicas retrying one, run one after the other. The events are read by a
   * second statement once the locks are held, so each sees the corrections committed while it
   * waited (a statement's snapshot predates its lock wait). Keyed by keyOf(customer, idempotency key).
   */
  async lockEvents(query: TxQuery, refs: { customerId: string; idempotencyKey: string }[]): Promise<Map<string, LockedEvent>> {
    const parameters = [refs.map((ref) => ref.customerId), refs.map((ref) => ref.idempotencyKey)];
    await query(
      `SELECT e.id FROM usage_events e JOIN unnest($1::uuid[], $2::text[]) AS r(customer_id, idempotency_key)
         ON e.customer_id = r.customer_id AND e.idempotency_key = r.idempotency_key
       ORDER BY e.id FOR UPDATE OF e`,
      parameters,
    );
    const rows = await query<LockedEvent>(
      `SELECT DISTINCT ON (e.id) e.id::text AS id, e.customer_id AS "customerId", e.idempotency_key AS "idempotencyKey", e.meter_id AS "meterId", m.key AS meter,
              m.aggregation, m.late_usage_policy AS "lateUsagePolicy", ${currentValue('e')}::text AS "currentValue",
              EXISTS (SELECT 1 FROM usage_corrections x WHERE x.event_id = e.id) AS corrected, e.event_time AS "eventTime"
       FROM usage_events e JOIN meters m ON m.id = e.meter_id
       JOIN unnest($1::uuid[], $2::text[]) AS r(customer_id, idempotency_key) ON e.customer_id = r.customer_id AND e.idempotency_key = r.idempotency_key
       ORDER BY e.id`,
      parameters,
    );
    return new Map(rows.map((row) => [keyOf(row.customerId, row.idempotencyKey), row]));
  }

  /** Stored corrections by keyOf(customer, correction key). */
  async byKeys(query: TxQuery, refs: { customerId: string; correctionKey: string }[]): Promise<Map<string, CorrectionRow>> {
    if (!refs.length) return new Map();
    const rows = await query<CorrectionRow>(
      `SELECT ${CORRECTION_COLUMNS} FROM ${CORRECTION_FROM}
       JOIN unnest($1::uuid[], $2::text[]) AS k(customer_id, correction_key) ON c.customer_id = k.customer_id AND c.correction_key = k.correction_key`,
      [refs.map((ref) => ref.customerId), refs.map((ref) => ref.correctionKey)],
    );
    return new Map(rows.map((row) => [keyOf(row.customerId, row.correctionKey), row]));
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
   * pending / adjusting / late for a correction of each event, by event id: late when its billing
   * period can no longer change (invoice final, grace over, or past Stripe's 35 days); adjusting
   * when Stripe already holds a report carrying the event or one of its corrections; else pending.
   */
  async billingOf(query: TxQuery, events: LockedEvent[], graceMinutes: number): Promise<Map<string, CorrectionBilling>> {
    const rows = await query<{ id: string; billing: CorrectionBilling }>(
      `SELECT e.id::text AS id, CASE
         WHEN EXISTS (SELECT 1 FROM billing_periods p WHERE p.customer_id = e.customer_id AND p.meter_id = e.meter_id AND p.period_start <= e.event_time AND p.period_end > e.event_time
                        AND ${periodClosed('p.invoice_finalized_at', 'p.period_end', '$2')})
              OR e.event_time <= now() - ${STRIPE_MAX_EVENT_AGE} THEN 'late'
         WHEN EXISTS (
           SELECT 1 FROM usage_reports r
           WHERE r.customer_id = e.customer_id AND r.meter_id = e.meter_id AND r.window_start <= e.event_time AND r.window_end > e.event_time
             AND r.window_start > e.event_time - interval '24 hours'
             AND NOT EXISTS (SELECT 1 FROM report_queue q WHERE q.report_id = r.id)
             AND ((e.tx_id >= r.tx_from AND e.tx_id < r.tx_to)
                  OR EXISTS (SELECT 1 FROM usage_corrections c WHERE c.event_id = e.id AND c.tx_id >= r.tx_from AND c.tx_id < r.tx_to))
         ) THEN 'adjusting'
         ELSE 'pending' END AS billing
       FROM usage_events e WHERE e.id = ANY($1::bigint[])`,
      [events.map((event) => event.id), graceMinutes],
    );
    return new Map(rows.map((row) => [row.id, row.billing]));
  }

  /** Inserts the corrections in one statement; returns those inserted (a key taken meanwhile, by a correction of another event, is left out). */
  async insert(query: TxQuery, corrections: NewCorrection[]): Promise<Map<string, CorrectionRow>> {
    if (!corrections.length) return new Map();
    const column = <T>(pick: (correction: NewCorrection) => T) => corrections.map(pick);
    const inserted = await query<{ customerId: string; correctionKey: string }>(
      `INSERT INTO usage_corrections (event_id, customer_id, meter_id, correction_key, value, previous_value, report_units, billable, reason, created_by, billing, event_time)
       SELECT event_id, customer_id, meter_id, correction_key, value, previous_value, report_units, billable, reason, created_by, billing, event_time
       FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::boolean[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
            WITH ORDINALITY AS u(event_id, customer_id, meter_id, correction_key, value, previous_value, report_units, billable, reason, created_by, billing, event_time, ord)
       -- ids follow the request within an event (its latest correction states its value)
       ORDER BY event_id, ord
       ON CONFLICT (customer_id, correction_key) DO NOTHING
       RETURNING customer_id AS "customerId", correction_key AS "correctionKey"`,
      [
        column((correction) => correction.event.id),
        column((correction) => correction.event.customerId),
        column((correction) => correction.event.meterId),
        column((correction) => correction.correctionKey),
        column((correction) => correction.value),
        column((correction) => correction.previousValue),
        column((correction) => correction.reportUnits),
        column((correction) => correction.billable),
        column((correction) => correction.reason),
        column((correction) => correction.createdBy),
        column((correction) => correction.billing),
        column((correction) => correction.event.eventTime),
      ],
    );
    return this.byKeys(query, inserted);
  }
}
