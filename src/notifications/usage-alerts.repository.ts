import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import type { CreateUsageAlertDto } from './usage-alert.dto.js';

export interface UsageAlertRow {
  id: string;
  name: string;
  meter: string;
  customerId: string | null;
  threshold: string;
  createdAt: Date;
}

/** A threshold newly reached: the crossing row was inserted by this statement. */
export interface CrossingRow {
  alertId: string;
  alertName: string;
  customerId: string;
  externalCustomerId: string;
  meter: string;
  threshold: string;
  units: string;
  periodStart: Date;
  periodEnd: Date;
}

const ALERT_COLUMNS = `a.id, a.name, m.key AS meter, a.customer_id AS "customerId", a.threshold::text AS threshold, a.created_at AS "createdAt"`;

/**
 * Every alert of the changed pairs' meters that their units reach is recorded as crossed for the
 * pair's period, unless it already was (the primary key): only new crossings come back. $1..$5
 * are the pairs (customer, meter, period start, period end, units).
 */
const RECORD_CROSSINGS_SQL = `
WITH pairs AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::numeric[]) AS p(customer_id, meter_id, period_start, period_end, units)
),
reached AS (
  SELECT a.id AS alert_id, a.name, a.threshold, p.customer_id, p.meter_id, p.period_start, p.period_end, p.units
  FROM pairs p
  JOIN usage_alerts a ON a.meter_id = p.meter_id AND (a.customer_id IS NULL OR a.customer_id = p.customer_id) AND p.units >= a.threshold
),
crossed AS (
  INSERT INTO usage_alert_crossings (alert_id, customer_id, period_start, units)
  SELECT alert_id, customer_id, period_start, units
  FROM reached
  ORDER BY alert_id, customer_id
  ON CONFLICT DO NOTHING
  RETURNING alert_id, customer_id, period_start
)
SELECT r.alert_id AS "alertId", r.name AS "alertName", r.customer_id AS "customerId", c.external_id AS "externalCustomerId",
       m.key AS meter, r.threshold::text AS threshold, r.units::text AS units, r.period_start AS "periodStart", r.period_end AS "periodEnd"
FROM crossed x
JOIN reached r ON r.alert_id = x.alert_id AND r.customer_id = x.customer_id AND r.period_start = x.period_start
JOIN customers c ON c.id = r.customer_id
JOIN meters m ON m.id = r.meter_id`;

@Injectable()
export class UsageAlertsRepository {
  constructor(private readonly sql: NativeSql) {}

  /** Inserts the alert when its meter (and customer, if named) exist; says which is missing otherwise. */
  async insert(input: CreateUsageAlertDto): Promise<{ alert?: UsageAlertRow; meterFound: boolean; customerFound: boolean }> {
    const [row] = await this.sql.query<{ alert: UsageAlertRow | null; meter_found: boolean; customer_found: boolean }>(
      `WITH meter AS (SELECT id, key FROM meters WHERE key = $1),
            customer_ok AS (SELECT $2::uuid IS NULL OR EXISTS (SELECT 1 FROM customers WHERE id = $2::uuid) AS ok),
            inserted AS (
              INSERT INTO usage_alerts (name, meter_id, customer_id, threshold)
              SELECT $4, meter.id, $2::uuid, $3::bigint FROM meter, customer_ok WHERE customer_ok.ok
              RETURNING *
            )
       SELECT (SELECT row_to_json(x) FROM (SELECT ${ALERT_COLUMNS} FROM inserted a JOIN meter m ON m.id = a.meter_id) x) AS alert,
              EXISTS (SELECT 1 FROM meter) AS meter_found, (SELECT ok FROM customer_ok) AS customer_found`,
      [input.meter, input.customerId ?? null, input.threshold, input.name],
    );
    return { alert: row!.alert ?? undefined, meterFound: row!.meter_found, customerFound: row!.customer_found };
  }

  list(): Promise<UsageAlertRow[]> {
    return this.sql.query<UsageAlertRow>(`SELECT ${ALERT_COLUMNS} FROM usage_alerts a JOIN meters m ON m.id = a.meter_id ORDER BY a.created_at, a.id`);
  }

  /** The alert and its crossings go together. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.sql.query(
      `WITH gone AS (DELETE FROM usage_alerts WHERE id = $1 RETURNING id),
            crossings AS (DELETE FROM usage_alert_crossings c USING gone WHERE c.alert_id = gone.id)
       SELECT id FROM gone`,
      [id],
    );
    return rows.length === 1;
  }

  /** The meters that have at least one alert: the evaluator looks at usage on these only. */
  async alertedMeterIds(query: SqlQuery): Promise<string[]> {
    const rows = await query<{ meter_id: string }>('SELECT DISTINCT meter_id FROM usage_alerts');
    return rows.map((row) => row.meter_id);
  }

  recordCrossings(query: SqlQuery, pairs: { customer_id: string; meter_id: string; period_start: Date; period_end: Date; units: string }[]): Promise<CrossingRow[]> {
    if (!pairs.length) return Promise.resolve([]);
    return query<CrossingRow>(RECORD_CROSSINGS_SQL, [
      pairs.map((pair) => pair.customer_id),
      pairs.map((pair) => pair.meter_id),
      pairs.map((pair) => pair.period_start),
      pairs.map((pair) => pair.period_end),
      pairs.map((pair) => pair.units),
    ]);
  }
}
