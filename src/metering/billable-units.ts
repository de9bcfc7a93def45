import type { MeterAggregation } from './meter.entity.js';

/**
 * Billable units as a mergeable partial aggregate of ledger rows (usage events and billable
 * corrections), so that a caller can keep running units and add only the rows written since it
 * last looked: the ledger is append-only, so the partial of a set of rows merged with the partial
 * of new rows is the partial of all of them. Every aggregation is derived from the same partial:
 * sum from `valueSum`, count from `weightSum` (an event weighs 1, a correction its report units,
 * -1 for a voided event), last from `latest` (the row latest by event time, then correction after
 * event, then id). See docs/architecture.md (usage alerts).
 */

/**
 * The latest ledger row, encoded so that the latest is the greatest string: event time in unix
 * microseconds (20 digits), kind (1 digit: 0 event, 1 correction), id (20 digits), `:`, value.
 */
export type LatestLedgerRow = string;

export interface LedgerPartial {
  /** Sum of the rows' values (decimal string: sums pass 2^53). */
  valueSum: string;
  /** Sum of the rows' weights. */
  weightSum: string;
  /** Only kept for `last` meters; null when no row (or another aggregation). */
  latest: LatestLedgerRow | null;
}

export const EMPTY_PARTIAL: LedgerPartial = { valueSum: '0', weightSum: '0', latest: null };

/** The partial of the union of the rows of `a` and `b` (disjoint sets). */
export function mergePartials(a: LedgerPartial, b: LedgerPartial): LedgerPartial {
  const latest = !a.latest ? b.latest : !b.latest ? a.latest : a.latest > b.latest ? a.latest : b.latest;
  return {
    valueSum: (BigInt(a.valueSum) + BigInt(b.valueSum)).toString(),
    weightSum: (BigInt(a.weightSum) + BigInt(b.weightSum)).toString(),
    latest,
  };
}

/** The billable units the meter's aggregation makes of a partial. */
export function unitsOf(aggregation: MeterAggregation, partial: LedgerPartial): string {
  if (aggregation === 'count') return partial.weightSum;
  if (aggregation === 'last') return partial.latest ? partial.latest.slice(partial.latest.indexOf(':') + 1) : '0';
  return partial.valueSum;
}
