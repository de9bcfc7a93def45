/**
 * usage_daily as ledger rows, for the reads that aggregate usage over a window (docs/retention.md):
 * the usage totals and the billable units read these beside the raw events, so a window gives the
 * same answer before and after its events are rolled up. A window always covers whole buckets:
 * buckets are UTC days cut at billing period boundaries, and the windows read are billing periods,
 * calendar months or (usage totals) a window checked by usage-window-buckets.ts.
 */
interface Scope {
  /** SQL expressions for the customer, the meter and the window [from, to). */
  customer: string;
  meter: string;
  from: string;
  to: string;
}

const inScope = (s: Scope) =>
  `FROM usage_daily d WHERE d.customer_id = ${s.customer} AND d.meter_id = ${s.meter} AND d.bucket_start >= ${s.from} AND d.bucket_end <= ${s.to}`;

/** (value, weight, outcome) rows: a bucket's settled part as reported, its late and unbillable part as late_unbillable. */
export const rolledUpOutcomeRows = (s: Scope) => `
      SELECT d.units - d.unbillable_units AS value, d.event_count - d.unbillable_events AS weight, 'reported'::text AS outcome ${inScope(s)}
      UNION ALL
      SELECT d.unbillable_units, d.unbillable_events, 'late_unbillable' ${inScope(s)} AND d.unbillable_events > 0`;

/** (value, outcome, event_time, kind, id) of each bucket's latest event, ordered as raw events are for `last` meters. */
export const rolledUpLatestRows = (s: Scope) => `
      SELECT d.last_value AS value, CASE WHEN d.last_unbillable THEN 'late_unbillable' ELSE 'reported' END AS outcome,
             d.last_time AS event_time, 0 AS kind, d.last_event_id AS id ${inScope(s)}`;

/**
 * (event_time, kind, id, value, weight) rows for the billable units: a bucket counts as its
 * events (weight), its sum (value), or for `aggregation` 'last' its latest event.
 */
export const rolledUpUnitRows = (s: Scope, aggregation: string) => `
    SELECT d.last_time, 0, d.last_event_id, CASE ${aggregation} WHEN 'last' THEN d.last_value ELSE d.units END, d.event_count ${inScope(s)}`;
