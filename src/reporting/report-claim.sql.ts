/**
 * The SQL that turns usage events into report rows. Parameters shared by every statement here:
 * $1 window ('hour' | 'day'), $2 finalization grace in minutes.
 *
 * A claim statement supplies a `source` CTE of ledger rows (customer_id, meter_id, value,
 * event_time, id, received_at, tx_from, tx_to, clamp_start, clamp_end, kind, weight: see
 * ledgerRows) and CLASSIFY_AND_INSERT does the rest in the same statement: place each row in its
 * billing period, cut it into windows, decide on-time / late / held, number the window's reports
 * and insert them.
 */

/**
 * The ledger as the claim reads it: usage events (kind 0, one event each) and billable
 * corrections (kind 1) taken like new usage by their own transaction id, at their event's time:
 * a correction's value is its report_units (the difference, or a last meter's new latest value)
 * and it counts its report_units as events on a count meter (a void is -1). `eventFilter` and
 * `correctionFilter` select the rows (aliases e and c); `range` gives tx_from, tx_to, clamp_start
 * and clamp_end, with `extraFrom` joined to both.
 */
export function ledgerRows(range: string, extraFrom: string, eventFilter: string, correctionFilter: string): string {
  return `
  SELECT e.customer_id, e.meter_id, e.value, e.event_time, e.id, e.received_at, ${range}, 0 AS kind, 1::bigint AS weight
  FROM ${extraFrom}usage_events e
  WHERE ${eventFilter}
  UNION ALL
  SELECT c.customer_id, c.meter_id, c.report_units, c.event_time, c.id, c.created_at, ${range}, 1 AS kind,
         CASE cm.aggregation WHEN 'count' THEN c.report_units ELSE 0 END
  FROM ${extraFrom}usage_corrections c JOIN meters cm ON cm.id = c.meter_id
  WHERE c.billable AND ${correctionFilter}`;
}

/**
 * Stripe refuses meter events older than 35 days. A report whose timestamp is older than this is
 * late: the margin leaves time for the run to deliver what it claimed.
 */
export const STRIPE_MAX_EVENT_AGE = "interval '35 days' - interval '1 hour'";

const WINDOW_LENGTH = "CASE $1::text WHEN 'day' THEN interval '24 hours' ELSE interval '1 hour' END";

/**
 * Each customer × meter's time line cut into segments that never overlap: its billing periods
 * (a later-starting period wins where two overlap) and the gaps before, between and after them.
 * Every instant falls in exactly one segment, so every event is placed exactly once.
 */
export const TIMELINE_CTES = `
ordered_periods AS (
  SELECT id, customer_id, meter_id, period_start, invoice_finalized_at, period_end AS raw_end,
         greatest(period_start, least(period_end, coalesce(lead(period_start) OVER w, 'infinity'))) AS effective_end,
         coalesce(lead(period_start) OVER w, 'infinity') AS next_start,
         row_number() OVER w AS ordinal
  FROM billing_periods
  WINDOW w AS (PARTITION BY customer_id, meter_id ORDER BY period_start, id)
),
segments AS MATERIALIZED (
  SELECT customer_id, meter_id, id AS period_id, period_start AS segment_start, effective_end AS segment_end, raw_end, invoice_finalized_at
  FROM ordered_periods WHERE period_start < effective_end
  UNION ALL
  SELECT customer_id, meter_id, NULL, effective_end, next_start, NULL, NULL
  FROM ordered_periods WHERE effective_end < next_start
  UNION ALL
  SELECT customer_id, meter_id, NULL, '-infinity', period_start, NULL, NULL
  FROM ordered_periods WHERE ordinal = 1
),
open_periods AS (
  SELECT customer_id, meter_id, period_id, segment_start AS period_start
  FROM segments
  WHERE period_id IS NOT NULL AND invoice_finalized_at IS NULL AND segment_start <= now() AND segment_end > now()
)`;

/** True when usage in this billing period can no longer reach its own invoice; `grace` is the minutes parameter. */
export const periodClosed = (finalizedAt: string, periodEnd: string, grace = '$2') =>
  `(${finalizedAt} IS NOT NULL OR ${periodEnd} + make_interval(mins => ${grace}::int) <= now())`;

/**
 * A window's report number: one more than the reports it already has. A fresh claim makes at
 * most one report per customer × meter × window start (windows of one claim never share a start),
 * so the plain form suffices there; released held rows may bring several for one window.
 */
export const NEXT_SEQUENCE = 'coalesce(previous.max_sequence, -1) + 1';
export const NEXT_SEQUENCES_RANKED =
  'coalesce(previous.max_sequence, -1) + row_number() OVER (PARTITION BY d.customer_id, d.meter_id, d.window_start ORDER BY d.tx_from, d.window_end)';

/**
 * Given `source`, inserts the report rows (`inserted`: id, event_count, held, late_unbillable)
 * and queues those to send or hold.
 * Outcomes: on_time (pending, in its own period), adjust (pending, late: reported into the
 * current open period at its start), unbillable (late under record_only), held (no Stripe
 * customer, no period at or after the usage, or late with no open period to carry it).
 */
export const classifyAndInsert = (sequence: string) => `
placed AS (
  SELECT s.*, seg.period_id, seg.raw_end, seg.invoice_finalized_at, seg.segment_end,
         greatest(date_trunc($1::text, s.event_time, 'UTC'), seg.segment_start, s.clamp_start) AS window_start,
         least(date_trunc($1::text, s.event_time, 'UTC') + ${WINDOW_LENGTH}, seg.segment_end, s.clamp_end) AS window_end
  FROM source s
  LEFT JOIN segments seg
    ON seg.customer_id = s.customer_id AND seg.meter_id = s.meter_id AND s.event_time >= seg.segment_start AND s.event_time < seg.segment_end
),
grouped AS (
  SELECT p.customer_id, p.meter_id, p.tx_from, p.tx_to, p.window_start, p.window_end, p.period_id,
         min(p.raw_end) AS period_end, min(p.invoice_finalized_at) AS invoice_finalized_at, min(p.segment_end) AS segment_end,
         min(m.aggregation) AS aggregation, min(m.late_usage_policy) AS late_usage_policy,
         sum(p.weight) AS event_count, sum(p.value) AS value_sum, max(p.event_time) AS last_time, min(p.received_at) AS oldest_received_at,
         count(*) FILTER (WHERE p.kind = 1) AS correction_count,
         -- the latest event (by time, then id; a correction after the events of its time) of a last meter: arrays compare
         -- element by element, and max() keeps the aggregation hashable where an ordered array_agg would sort every event
         (max(ARRAY[(extract(epoch FROM p.event_time) * 1000000)::bigint, p.kind, p.id, p.value]) FILTER (WHERE m.aggregation = 'last'))[4] AS last_value
  FROM placed p JOIN meters m ON m.id = p.meter_id
  GROUP BY p.customer_id, p.meter_id, p.tx_from, p.tx_to, p.window_start, p.window_end, p.period_id
),
decided AS (
  SELECT g.*, o.period_id AS open_period_id, o.period_start AS open_period_start,
         CASE
           WHEN c.stripe_customer_id IS NULL THEN 'held'
           WHEN g.period_id IS NOT NULL AND NOT ${periodClosed('g.invoice_finalized_at', 'g.period_end')}
                AND g.last_time > now() - ${STRIPE_MAX_EVENT_AGE} THEN 'on_time'
           -- no period contains it and none starts after it: wait for a subscription
           WHEN g.period_id IS NULL AND (g.segment_end IS NULL OR g.segment_end = 'infinity') THEN 'held'
           WHEN g.late_usage_policy = 'record_only' THEN 'unbillable'
           WHEN o.period_id IS NULL THEN 'held'
           ELSE 'adjust'
         END AS outcome
  FROM grouped g
  JOIN customers c ON c.id = g.customer_id
  LEFT JOIN open_periods o ON o.customer_id = g.customer_id AND o.meter_id = g.meter_id
),
numbered AS (
  SELECT d.*, ${sequence} AS sequence
  FROM decided d
  LEFT JOIN LATERAL (
    SELECT max(r.sequence) AS max_sequence FROM usage_reports r
    WHERE r.customer_id = d.customer_id AND r.meter_id = d.meter_id AND r.window_start = d.window_start
  ) previous ON true
),
inserted AS (
  INSERT INTO usage_reports (customer_id, meter_id, billing_period_id, window_start, window_end, sequence, units, event_count,
                             report_time, oldest_received_at, tx_from, tx_to, late_adjustment, late_unbillable, correction_count)
  SELECT customer_id, meter_id,
         CASE outcome WHEN 'adjust' THEN open_period_id WHEN 'held' THEN NULL ELSE period_id END,
         window_start, window_end, sequence,
         CASE aggregation WHEN 'count' THEN event_count WHEN 'last' THEN last_value ELSE value_sum END,
         event_count,
         CASE outcome WHEN 'adjust' THEN open_period_start ELSE last_time END,
         oldest_received_at, tx_from, tx_to, outcome = 'adjust', outcome = 'unbillable', correction_count
  FROM numbered
  RETURNING id, event_count, billing_period_id IS NULL AND NOT late_unbillable AS held, late_unbillable
),
queued AS (
  INSERT INTO report_queue (report_id, state)
  SELECT id, CASE WHEN held THEN 'held' ELSE 'pending' END FROM inserted WHERE NOT late_unbillable
)`;

/** Per-outcome counts of what a claim inserted. */
export const SUMMARIZE_INSERTED = `
SELECT coalesce(sum(event_count), 0)::text AS events, count(*)::int AS reports,
       count(*) FILTER (WHERE held)::int AS held
FROM inserted`;

/**
 * What a report's meter events carry in all: its units, plus the values of the window's earlier
 * meter events it cancelled (report_cancellations) so that Stripe holds the window's corrected
 * total. Its parts (meter-event-parts.ts) are cut from this.
 */
export function sentUnitsOf(table: string): string {
  return `(${table}.units + coalesce((SELECT sum(x.value) FROM report_cancellations x WHERE x.by_report_id = ${table}.id AND x.cancelled), 0))`;
}
