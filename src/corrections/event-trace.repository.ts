import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { sentUnitsOf } from '../reporting/report-claim.sql.js';
import { identifierOf } from '../reporting/report-identifier.js';

export interface TracedEvent {
  id: string;
  customerId: string;
  idempotencyKey: string;
  meter: string;
  aggregation: string;
  value: string;
  currentValue: string;
  eventTime: string;
  receivedAt: string;
  properties: Record<string, unknown> | null;
}

export interface TracedCorrection {
  id: string;
  correctionKey: string;
  previousValue: string;
  value: string;
  reportUnits: string;
  billable: boolean;
  reason: string;
  createdBy: string;
  createdAt: string;
  billing: string;
}

export interface TracedReport {
  id: string;
  identifier: string;
  carries: 'usage' | 'cancelled_report';
  units: string;
  sentUnits: string;
  status: string;
  failureReason: string | null;
  claimedAt: string;
  sentAt: string | null;
  confirmedAt: string | null;
  lateAdjustment: boolean;
  cancelledBy: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  stripeInvoiceId: string | null;
  invoiceFinalizedAt: string | null;
}

export interface TracedPeriod {
  periodStart: string;
  periodEnd: string;
  stripeInvoiceId: string | null;
  invoiceFinalizedAt: string | null;
  /** What the period's reports add up to on Stripe's meter (sum and count meters). */
  netUnits: string;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Reports carrying ledger rows of an event (alias `x`: customer_id, meter_id, tx_id, event_time). */
const coversRow = (x: string) =>
  `r.customer_id = ${x}.customer_id AND r.meter_id = ${x}.meter_id AND ${x}.tx_id >= r.tx_from AND ${x}.tx_id < r.tx_to
   AND r.window_start <= ${x}.event_time AND r.window_end > ${x}.event_time`;

/**
 * Every report that carried the event: the report that claimed it, those that claimed its
 * corrections, and (following report_cancellations) each later report that cancelled one of
 * those and carried its value on.
 */
const REPORTS_SQL = `
WITH RECURSIVE carried AS (
  SELECT r.id, 'usage'::text AS carries FROM usage_reports r, usage_events e WHERE e.id = $1 AND ${coversRow('e')}
  UNION
  SELECT r.id, 'usage' FROM usage_reports r, usage_corrections c WHERE c.event_id = $1 AND c.billable AND ${coversRow('c')}
  UNION
  SELECT x.by_report_id, 'cancelled_report' FROM carried JOIN report_cancellations x ON x.report_id = carried.id AND x.cancelled
)
SELECT DISTINCT ON (r.id) r.id::text AS id, ${identifierOf('r')} AS identifier, carried.carries, r.units::text AS units, ${sentUnitsOf('r')}::text AS "sentUnits",
       coalesce(q.state, CASE WHEN r.late_unbillable THEN 'late_unbillable' WHEN r.confirmed_at IS NOT NULL THEN 'confirmed' ELSE 'sent' END) AS status,
       q.failure_reason AS "failureReason", ${iso('r.created_at')} AS "claimedAt", ${iso('d.sent_at')} AS "sentAt", ${iso('r.confirmed_at')} AS "confirmedAt",
       r.late_adjustment AS "lateAdjustment",
       (SELECT ${identifierOf('b')} FROM report_cancellations x JOIN usage_reports b ON b.id = x.by_report_id WHERE x.report_id = r.id AND x.cancelled LIMIT 1) AS "cancelledBy",
       ${iso('p.period_start')} AS "periodStart", ${iso('p.period_end')} AS "periodEnd", p.stripe_invoice_id AS "stripeInvoiceId",
       ${iso('p.invoice_finalized_at')} AS "invoiceFinalizedAt"
FROM carried
JOIN usage_reports r ON r.id = carried.id
LEFT JOIN report_queue q ON q.report_id = r.id
LEFT JOIN report_deliveries d ON d.report_id = r.id
LEFT JOIN billing_periods p ON p.id = r.billing_period_id
ORDER BY r.id, carried.carries DESC`;

/** The reads behind GET /v1/usage/events: one event and everything that became of it. */
@Injectable()
export class EventTraceRepository {
  constructor(private readonly sql: NativeSql) {}

  private query<T>(text: string, values: unknown[]): Promise<T[]> {
    return this.sql.query<T>(text, values);
  }

  async customerExists(customerId: string): Promise<boolean> {
    return (await this.query('SELECT 1 FROM customers WHERE id = $1', [customerId])).length > 0;
  }

  async event(customerId: string, idempotencyKey: string): Promise<TracedEvent | undefined> {
    const [row] = await this.query<TracedEvent>(
      `SELECT e.id::text AS id, e.customer_id AS "customerId", e.idempotency_key AS "idempotencyKey", m.key AS meter, m.aggregation, e.value::text AS value,
              coalesce((SELECT c.value FROM usage_corrections c WHERE c.event_id = e.id ORDER BY c.id DESC LIMIT 1), e.value)::text AS "currentValue",
              ${iso('e.event_time')} AS "eventTime", ${iso('e.received_at')} AS "receivedAt", e.properties
       FROM usage_events e JOIN meters m ON m.id = e.meter_id
       WHERE e.customer_id = $1 AND e.idempotency_key = $2`,
      [customerId, idempotencyKey],
    );
    return row;
  }

  corrections(eventId: string): Promise<TracedCorrection[]> {
    return this.query<TracedCorrection>(
      `SELECT c.id::text AS id, c.correction_key AS "correctionKey", c.previous_value::text AS "previousValue", c.value::text AS value,
              c.report_units::text AS "reportUnits", c.billable, c.reason, c.created_by AS "createdBy", ${iso('c.created_at')} AS "createdAt", c.billing
       FROM usage_corrections c WHERE c.event_id = $1 ORDER BY c.id`,
      [eventId],
    );
  }

  reports(eventId: string): Promise<TracedReport[]> {
    return this.query<TracedReport>(REPORTS_SQL, [eventId]);
  }

  /** The billing period the event's time falls in, with what its reports add up to. */
  async period(eventId: string): Promise<TracedPeriod | undefined> {
    const [row] = await this.query<TracedPeriod>(
      `SELECT ${iso('p.period_start')} AS "periodStart", ${iso('p.period_end')} AS "periodEnd", p.stripe_invoice_id AS "stripeInvoiceId",
              ${iso('p.invoice_finalized_at')} AS "invoiceFinalizedAt",
              coalesce((SELECT sum(r.units) FROM usage_reports r WHERE r.billing_period_id = p.id AND NOT r.late_unbillable), 0)::text AS "netUnits"
       FROM usage_events e JOIN billing_periods p ON p.customer_id = e.customer_id AND p.meter_id = e.meter_id AND p.period_start <= e.event_time AND p.period_end > e.event_time
       WHERE e.id = $1
       ORDER BY p.period_start DESC LIMIT 1`,
      [eventId],
    );
    return row;
  }
}
