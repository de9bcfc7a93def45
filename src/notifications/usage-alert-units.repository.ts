import { Injectable } from '@nestjs/common';
import type { SqlQuery } from '../database/transaction-watermark.js';
import type { LedgerPartial } from '../metering/billable-units.js';

/** A pair's current period (as the ledger query answered it) and its running partial. */
export interface RunningUnits {
  customerId: string;
  meterId: string;
  periodStart: Date;
  periodEnd: Date;
  partial: LedgerPartial;
}

export const pairKey = (pair: { customerId: string; meterId: string }) => `${pair.customerId}:${pair.meterId}`;

/** usage_alert_units, inside the evaluator's transaction (see the entity). */
@Injectable()
export class UsageAlertUnitsRepository {
  /** The stored partials of these pairs whose period is exactly the one given, by pairKey. */
  async ofCurrentPeriods(query: SqlQuery, periods: Array<Omit<RunningUnits, 'partial'>>): Promise<Map<string, LedgerPartial>> {
    if (!periods.length) return new Map();
    const rows = await query<{ customerId: string; meterId: string; partial: LedgerPartial }>(
      `SELECT s.customer_id AS "customerId", s.meter_id AS "meterId", s.partial
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS p(customer_id, meter_id, period_start, period_end)
       JOIN usage_alert_units s ON s.customer_id = p.customer_id AND s.meter_id = p.meter_id AND s.period_start = p.period_start AND s.period_end = p.period_end`,
      [periods.map((p) => p.customerId), periods.map((p) => p.meterId), periods.map((p) => p.periodStart), periods.map((p) => p.periodEnd)],
    );
    return new Map(rows.map((row) => [pairKey(row), row.partial]));
  }

  async save(query: SqlQuery, rows: RunningUnits[]): Promise<void> {
    if (!rows.length) return;
    await query(
      `INSERT INTO usage_alert_units (customer_id, meter_id, period_start, period_end, partial)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::jsonb[])
       ON CONFLICT (customer_id, meter_id) DO UPDATE
         SET period_start = excluded.period_start, period_end = excluded.period_end, partial = excluded.partial`,
      [rows.map((r) => r.customerId), rows.map((r) => r.meterId), rows.map((r) => r.periodStart), rows.map((r) => r.periodEnd), rows.map((r) => JSON.stringify(r.partial))],
    );
  }
}
