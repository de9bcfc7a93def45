import { Injectable } from '@nestjs/common';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { unitsOf, type LedgerPartial } from './billable-units.js';
import type { MeterAggregation } from './meter.entity.js';
import { rolledUpUnitRows } from '../retention/rolled-up-usage.sql.js';

/**
 * Ledger rows `l` (event_time, kind: 0 an event and 1 a correction, id, value, weight: 1 an event,
 * a correction's report_units on a count meter) aggregated into units by the meter's `aggregation`
 * in one SQL expression: the sum of values, the number of events, or the latest value (a
 * correction after the events of its time). The same units as `unitsOf` over the partial below;
 * reporting's placed units (src/reporting/placed-units.service.ts) aggregate with it.
 */
export const unitsByAggregation = (aggregation: string) => `CASE ${aggregation}
           WHEN 'count' THEN coalesce(sum(l.weight), 0)::numeric
           WHEN 'last' THEN coalesce((array_agg(l.value ORDER BY l.event_time DESC, l.kind DESC, l.id DESC))[1], 0)::numeric
           ELSE coalesce(sum(l.value), 0)::numeric
         END`;

/**
 * The partial aggregate (billable-units.ts) of ledger rows `l` (event_time, kind, id, value,
 * weight), grouped by the caller; `isLast` says whether the row's meter aggregates by `last`.
 * Corrections count exactly as the usage totals count them (usage-events.repository.ts, LEDGER_ROWS): what each billable correction
 * adds to its window (usage_corrections.report_units: the difference, -1 for a voided count event,
 * a last meter's new latest value). The latest row of a `last` meter is the greatest of its rows
 * encoded as LatestLedgerRow (fixed-width key, then the value; compared bytewise), so every part is
 * a plain aggregate and grouping can hash instead of sorting the rows.
 */
const partialOfLedgerRows = (isLast: string) => `
  coalesce(sum(l.value), 0)::text AS "valueSum",
  coalesce(sum(l.weight), 0)::text AS "weightSum",
  max((lpad((extract(epoch FROM l.event_time) * 1000000)::bigint::text, 20, '0') || l.kind || lpad(l.id::text, 20, '0') || ':' || l.value) COLLATE "C")
    FILTER (WHERE ${isLast}) AS latest`;

/** A usage event as a ledger row; `e` is usage_events. */
const EVENT_ROW = `e.event_time, 0 AS kind, e.id, e.value, 1::bigint AS weight`;
/** A billable correction as a ledger row; `c` is usage_corrections. */
const CORRECTION_ROW = `c.event_time, 1 AS kind, c.id, c.report_units AS value, c.report_units AS weight`;

/**
 * The ledger rows (with their customer and meter) written by a transaction in [$1, $2) on the
 * meters the caller watches ($3: for every customer; $5: for the customers $4).
 */
const WATCHED_METERS = `ARRAY(SELECT DISTINCT unnest($3::uuid[] || $5::uuid[]))`;
const LEDGER_ROWS_WRITTEN = `(
  SELECT e.customer_id, e.meter_id, ${EVENT_ROW}
  FROM usage_events e
  WHERE e.tx_id >= $1::xid8 AND e.tx_id < $2::xid8 AND e.meter_id = ANY(${WATCHED_METERS})
  UNION ALL
  SELECT c.customer_id, c.meter_id, ${CORRECTION_ROW}
  FROM usage_corrections c
  WHERE c.billable AND c.tx_id >= $1::xid8 AND c.tx_id < $2::xid8 AND c.meter_id = ANY(${WATCHED_METERS})
)`;

/**
 * The watched pairs ($3: meters watched for every customer; $4/$5: customer × meter pairs) with a
 * ledger row written in [$1, $2), their current billing period and the partial of those rows that
 * fall in it. The period is the customer's live subscription item for the meter (else the current
 * UTC calendar month), exactly as GET /v1/customers/:id/usage chooses it. The new rows are
 * aggregated per pair in one pass; only a pair with a row outside its period (late usage of an
 * earlier period) has its new rows read again, filtered by the period. The cost follows what was
 * written, not the size of the ledger.
 */
const CHANGES_OF_PAIRS_SQL = `
WITH written AS (
  SELECT l.customer_id, l.meter_id, min(l.event_time) AS first_time, max(l.event_time) AS last_time,
         ${partialOfLedgerRows("l.meter_id = ANY(ARRAY(SELECT id FROM meters WHERE aggregation = 'last'))")}
  FROM ${LEDGER_ROWS_WRITTEN} l
  GROUP BY l.customer_id, l.meter_id
),
periods AS (
  SELECT w.*, m.aggregation,
         coalesce(live.current_period_start, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS period_start,
         coalesce(live.current_period_end, (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC') AS period_end
  FROM written w
  JOIN meters m ON m.id = w.meter_id
  LEFT JOIN LATERAL (
    SELECT si.current_period_start, si.current_period_end
    FROM subscription_items si JOIN subscriptions s ON s.id = si.subscription_id
    WHERE s.customer_id = w.customer_id AND si.meter_id = w.meter_id AND s.status NOT IN ('canceled', 'incomplete_expired')
    ORDER BY si.current_period_start DESC
    LIMIT 1
  ) live ON true
  WHERE w.meter_id = ANY($3::uuid[]) OR (w.customer_id, w.meter_id) IN (SELECT * FROM unnest($4::uuid[], $5::uuid[]))
),
straddling AS (
  SELECT p.customer_id, p.meter_id, ${partialOfLedgerRows("p.aggregation = 'last'")}
  FROM periods p
  LEFT JOIN ${LEDGER_ROWS_WRITTEN} l ON l.customer_id = p.customer_id AND l.meter_id = p.meter_id AND l.event_time >= p.period_start AND l.event_time < p.period_end
  WHERE p.first_time < p.period_start OR p.last_time >= p.period_end
  GROUP BY p.customer_id, p.meter_id, p.aggregation
)
SELECT p.customer_id AS "customerId", p.meter_id AS "meterId", p.aggregation, p.period_start AS "periodStart", p.period_end AS "periodEnd",
       coalesce(s."valueSum", p."valueSum") AS "valueSum", coalesce(s."weightSum", p."weightSum") AS "weightSum",
       CASE WHEN s.customer_id IS NULL THEN p.latest ELSE s.latest END AS latest
FROM periods p
LEFT JOIN straddling s ON s.customer_id = p.customer_id AND s.meter_id = p.meter_id`;

/**
 * The partial of every ledger row of given customer × meter × period rows (written by a
 * transaction below $2 when $2 is given), keyed as given; days the retention job rolled up count
 * from usage_daily (docs/retention.md), so a period answers the same before and after its rollup.
 */
const PARTIALS_OF_PERIODS_SQL = `
SELECT p.key, p.aggregation, partial.*
FROM (
  SELECT i.key, i.customer_id, i.meter_id, i.period_start, i.period_end, m.aggregation
  FROM json_to_recordset($1::json) AS i(key text, customer_id uuid, meter_id uuid, period_start timestamptz, period_end timestamptz)
  JOIN meters m ON m.id = i.meter_id
) p
CROSS JOIN LATERAL (
  SELECT ${partialOfLedgerRows("p.aggregation = 'last'")}
  FROM (
    SELECT ${EVENT_ROW}
    FROM usage_events e
    WHERE e.customer_id = p.customer_id AND e.meter_id = p.meter_id AND e.event_time >= p.period_start AND e.event_time < p.period_end
      AND ($2::xid8 IS NULL OR e.tx_id < $2::xid8)
    UNION ALL
    SELECT ${CORRECTION_ROW}
    FROM usage_corrections c
    WHERE c.billable AND c.customer_id = p.customer_id AND c.meter_id = p.meter_id AND c.event_time >= p.period_start AND c.event_time < p.period_end
      AND ($2::xid8 IS NULL OR c.tx_id < $2::xid8)
    UNION ALL ${rolledUpUnitRows({ customer: 'p.customer_id', meter: 'p.meter_id', from: 'p.period_start', to: 'p.period_end' }, 'p.aggregation')}
  ) l
) partial`;

export interface PeriodUnitsInput {
  /** The caller's name for the row; the answer carries it back. */
  key: string;
  customerId: string;
  meterId: string;
  periodStart: Date;
  periodEnd: Date;
}

/** The pairs a caller follows: every customer of some meters, and single customer × meter pairs. */
export interface WatchedPairs {
  everyCustomerMeterIds: string[];
  pairs: Array<{ customerId: string; meterId: string }>;
}

/** A watched pair with new ledger rows: its current period and the partial of the new rows in it. */
export interface PairChange {
  customerId: string;
  meterId: string;
  aggregation: MeterAggregation;
  periodStart: Date;
  periodEnd: Date;
  partial: LedgerPartial;
}

interface PartialColumns {
  valueSum: string;
  weightSum: string;
  latest: LedgerPartial['latest'];
}

const partialOf = (row: PartialColumns): LedgerPartial => ({ valueSum: row.valueSum, weightSum: row.weightSum, latest: row.latest });

/**
 * The one definition of "billable units of customer × meter over a period", for callers outside
 * metering (usage alerts, invoice verification), inside the caller's transaction.
 */
@Injectable()
export class BillableUnitsService {
  /**
   * `lo`/`hi`: a transaction id range from lockWatermark. The watched pairs that got a ledger row
   * in it, with the partial of those rows within each pair's current period (empty when they all
   * fall outside it).
   */
  async changesOfPairs(query: SqlQuery, lo: string, hi: string, watched: WatchedPairs): Promise<PairChange[]> {
    if (!watched.everyCustomerMeterIds.length && !watched.pairs.length) return [];
    // PostgreSQL's statistics know nothing of transaction ids newer than the last ANALYZE, so it
    // expects a handful of new rows and would sort them to group them by pair: hashing is far
    // cheaper. Turning sorts off inflates the plan's cost past the JIT thresholds, and compiling it
    // took seconds on a busy machine, so JIT is off for the statement too; both come back after it.
    const [before] = await query<{ sort: string; jit: string }>(
      `SELECT s.sort, s.jit, set_config('enable_sort', 'off', true), set_config('jit', 'off', true)
       FROM (SELECT current_setting('enable_sort') AS sort, current_setting('jit') AS jit OFFSET 0) s`,
    );
    const rows = await query<Omit<PairChange, 'partial'> & PartialColumns>(CHANGES_OF_PAIRS_SQL, [
      lo,
      hi,
      watched.everyCustomerMeterIds,
      watched.pairs.map((pair) => pair.customerId),
      watched.pairs.map((pair) => pair.meterId),
    ]);
    await query(`SELECT set_config('enable_sort', $1, true), set_config('jit', $2, true)`, [before!.sort, before!.jit]);
    return rows.map((row) => ({ customerId: row.customerId, meterId: row.meterId, aggregation: row.aggregation, periodStart: row.periodStart, periodEnd: row.periodEnd, partial: partialOf(row) }));
  }

  /** The partial of every ledger row of each period, keyed as given; with `belowTx`, only rows written by a transaction below it. */
  async partialsOfPeriods(query: SqlQuery, periods: PeriodUnitsInput[], belowTx?: string): Promise<Map<string, { aggregation: MeterAggregation; partial: LedgerPartial }>> {
    if (!periods.length) return new Map();
    const input = periods.map((p) => ({ key: p.key, customer_id: p.customerId, meter_id: p.meterId, period_start: p.periodStart.toISOString(), period_end: p.periodEnd.toISOString() }));
    const rows = await query<{ key: string; aggregation: MeterAggregation } & PartialColumns>(PARTIALS_OF_PERIODS_SQL, [JSON.stringify(input), belowTx ?? null]);
    return new Map(rows.map((row) => [row.key, { aggregation: row.aggregation, partial: partialOf(row) }]));
  }

  /** Units of each customer × meter over an explicit period (an invoice line's), keyed as given. */
  async ofPeriods(query: SqlQuery, periods: PeriodUnitsInput[]): Promise<Map<string, string>> {
    const partials = await this.partialsOfPeriods(query, periods);
    return new Map([...partials].map(([key, { aggregation, partial }]) => [key, unitsOf(aggregation, partial)]));
  }
}
