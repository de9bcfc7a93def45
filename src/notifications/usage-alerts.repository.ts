import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import type { WatchedPairs } from '../metering/billable-units.service.js';
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
 * Every alert that applies to a changed pair (its own, or its meter's for every customer: two
 * equality joins, so neither scans every alert of the meter) and that the pair's units reach is recorded as crossed for the
 * pair's period, unless it already was (the primary key): only new crossings come back. $1..$5
 * are the pairs (customer, meter, period start, period end, units).
 */
const RECORD_CROSSINGS_SQL = `
WITH pairs AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::numeric[]) AS p(customer_id, meter_id, period_start, period_end, units)
),
applying AS (
  SELECT a.*, p.customer_id AS pair_customer_id, p.period_start, p.period_end, p.units
  FROM pairs p JOIN usage_alerts a ON a.meter_id = p.meter_id AND a.customer_id = p.customer_id
  UNION ALL
  SELECT a.*, p.customer_id, p.period_start, p.period_end, p.units
  FROM pairs p JOIN usage_alerts a ON a.meter_id = p.meter_id AND a.customer_id IS NULL
),
reached AS (
  SELECT id AS alert_id, name, threshold, pair_customer_id AS customer_id, meter_id, period_start, period_end, units
  FROM applying
  WHERE units >= threshold
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

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const USAGE_ALERT_READS = Symbol('USAGE_ALERT_READS');

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

  /** By id, `limit` alerts after the id `after` (the last of the previous page). */
  list(after: string | undefined, limit: number): Promise<UsageAlertRow[]> {
    return this.sql.query<UsageAlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM usage_alerts a JOIN meters m ON m.id = a.meter_id WHERE $1::uuid IS NULL OR a.id > $1::uuid ORDER BY a.id LIMIT $2`,
      [after ?? null, limit],
    );
  }

  /**
   * The alert and its crossings go together. Its meter's running units go too (the meter may no
   * longer be watched for some customers, whose rows would then miss usage): they are recomputed
   * from the ledger at their next change. The watermark's row lock makes this wait for a pass
   * under way, so no pass writes running units from the alerts it read before the delete.
   */
  delete(id: string): Promise<boolean> {
    return this.sql.transaction(async (query) => {
      await query('SELECT 1 FROM usage_alert_watermark WHERE id = 1 FOR UPDATE');
      const rows = await query(
        `WITH gone AS (DELETE FROM usage_alerts WHERE id = $1 RETURNING id, meter_id),
              crossings AS (DELETE FROM usage_alert_crossings c USING gone WHERE c.alert_id = gone.id),
              running AS (DELETE FROM usage_alert_units u USING gone WHERE u.meter_id = gone.meter_id)
         SELECT id FROM gone`,
        [id],
      );
      return rows.length === 1;
    });
  }

  /** Whom the alerts watch: meters with an alert for every customer, and customer × meter pairs with an alert of their own. */
  async watchedPairs(query: SqlQuery): Promise<WatchedPairs> {
    const rows = await query<{ meterId: string; customerId: string | null }>('SELECT DISTINCT meter_id AS "meterId", customer_id AS "customerId" FROM usage_alerts');
    const everyCustomerMeterIds = rows.filter((row) => row.customerId === null).map((row) => row.meterId);
    const everyCustomer = new Set(everyCustomerMeterIds);
    const pairs = rows.flatMap(({ meterId, customerId }) => (customerId !== null && !everyCustomer.has(meterId) ? [{ customerId, meterId }] : []));
    return { everyCustomerMeterIds, pairs };
  }

  recordCrossings(query: SqlQuery, pairs: Array<{ customerId: string; meterId: string; periodStart: Date; periodEnd: Date; units: string }>): Promise<CrossingRow[]> {
    if (!pairs.length) return Promise.resolve([]);
    return query<CrossingRow>(RECORD_CROSSINGS_SQL, [
      pairs.map((pair) => pair.customerId),
      pairs.map((pair) => pair.meterId),
      pairs.map((pair) => pair.periodStart),
      pairs.map((pair) => pair.periodEnd),
      pairs.map((pair) => pair.units),
    ]);
  }
}
