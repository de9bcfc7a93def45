import { Injectable } from '@nestjs/common';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { rolledUpUnitRows } from '../retention/rolled-up-usage.sql.js';

/** A customer × meter whose usage changed, with its units over its current billing period. */
export interface BillableUnitsRow {
  customer_id: string;
  meter_id: string;
  period_start: Date;
  period_end: Date;
  units: string;
}

/**
 * The one aggregation of ledger rows `l` (event_time, kind: 0 an event and 1 a correction, id,
 * value, weight: 1 an event, a correction's report_units on a count meter) into units by the
 * meter's `aggregation`: the sum of values, the number of events, or the latest value (a
 * correction after the events of its time). Shared by every statement that counts billable units,
 * here and in reporting's placed units (src/reporting/placed-units.service.ts).
 */
export const unitsByAggregation = (aggregation: string) => `CASE ${aggregation}
           WHEN 'count' THEN coalesce(sum(l.weight), 0)::numeric
           WHEN 'last' THEN coalesce((array_agg(l.value ORDER BY l.event_time DESC, l.kind DESC, l.id DESC))[1], 0)::numeric
           ELSE coalesce(sum(l.value), 0)::numeric
         END`;

/**
 * The units of one customer × meter × [period_start, period_end) row `p` (with the meter's
 * `aggregation`), shared by every statement below so that units are defined once. Corrections count
 * exactly as the usage totals count them (usage-events.repository.ts, LEDGER_ROWS): the period's
 * events, plus what each billable correction adds to its window (usage_corrections.report_units: the
 * difference, -1 for a voided count event, a last meter's new latest value), and events the
 * retention job rolled up count from usage_daily (docs/retention.md).
 */
const UNITS_OF_PERIOD = `CROSS JOIN LATERAL (
  SELECT ${unitsByAggregation('p.aggregation')} AS units
  FROM (
    SELECT e.event_time, 0 AS kind, e.id, e.value, 1 AS weight
    FROM usage_events e
    WHERE e.customer_id = p.customer_id AND e.meter_id = p.meter_id AND e.event_time >= p.period_start AND e.event_time < p.period_end
    UNION ALL
    SELECT c.event_time, 1, c.id, c.report_units, CASE p.aggregation WHEN 'count' THEN c.report_units ELSE 0 END
    FROM usage_corrections c
    WHERE c.billable AND c.customer_id = p.customer_id AND c.meter_id = p.meter_id AND c.event_time >= p.period_start AND c.event_time < p.period_end
    UNION ALL ${rolledUpUnitRows({ customer: 'p.customer_id', meter: 'p.meter_id', from: 'p.period_start', to: 'p.period_end' }, 'p.aggregation')}
  ) l
) units`;

/**
 * The one definition of "billable units of customer × meter in its current billing period": the
 * period is the customer's live subscription item for the meter (else the current UTC calendar
 * month), exactly as GET /v1/customers/:id/usage chooses it, and the units aggregate the period's
 * events by the meter's aggregation (sum, count, or the latest value), corrections included.
 *
 * Only pairs with an event or a correction inserted by a transaction in [$1, $2) on one of the meters $3 are
 * computed, so the cost follows what changed, not the size of the ledger.
 */
const BILLABLE_UNITS_OF_CHANGED_PAIRS_SQL = `
WITH changed AS (
  SELECT e.customer_id, e.meter_id
  FROM usage_events e
  WHERE e.tx_id >= $1::xid8 AND e.tx_id < $2::xid8 AND e.meter_id = ANY($3::uuid[])
  UNION
  SELECT c.customer_id, c.meter_id
  FROM usage_corrections c
  WHERE c.tx_id >= $1::xid8 AND c.tx_id < $2::xid8 AND c.meter_id = ANY($3::uuid[])
),
periods AS (
  SELECT c.customer_id, c.meter_id, m.aggregation,
         coalesce(live.current_period_start, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS period_start,
         coalesce(live.current_period_end, (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC') AS period_end
  FROM changed c
  JOIN meters m ON m.id = c.meter_id
  LEFT JOIN LATERAL (
    SELECT si.current_period_start, si.current_period_end
    FROM subscription_items si JOIN subscriptions s ON s.id = si.subscription_id
    WHERE s.customer_id = c.customer_id AND si.meter_id = c.meter_id AND s.status NOT IN ('canceled', 'incomplete_expired')
    ORDER BY si.current_period_start DESC
    LIMIT 1
  ) live ON true
)
SELECT p.customer_id, p.meter_id, p.period_start, p.period_end, units.units::text AS units
FROM periods p
${UNITS_OF_PERIOD}`;

/** Billable units for callers outside metering (usage alerts), inside the caller's transaction. */
@Injectable()
export class BillableUnitsService {
  /** `lo`/`hi`: a transaction id range from lockWatermark; `meterIds`: the meters the caller cares about. */
  ofChangedPairs(query: SqlQuery, lo: string, hi: string, meterIds: string[]): Promise<BillableUnitsRow[]> {
    if (!meterIds.length) return Promise.resolve([]);
    return query<BillableUnitsRow>(BILLABLE_UNITS_OF_CHANGED_PAIRS_SQL, [lo, hi, meterIds]);
  }
}
