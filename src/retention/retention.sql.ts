/**
 * The retention job's SQL (docs/retention.md). One statement per batch of event ids: it picks the
 * eligible events of the batch, deletes them and adds them to usage_daily, so a batch is one
 * transaction of at most RETENTION_BATCH_SIZE rows and a crash between batches loses nothing.
 */

/**
 * The report that carried event `c` (as the usage totals find it: usage-events.repository.ts,
 * REPORT_OUTCOME), when Stripe accepted it (no longer queued) or it was kept back as late and
 * unbillable: the two outcomes that never change again.
 */
const SETTLED_REPORT = `
  SELECT r.id, r.late_unbillable FROM usage_reports r
  WHERE r.customer_id = c.customer_id AND r.meter_id = c.meter_id AND c.tx_id >= r.tx_from AND c.tx_id < r.tx_to
    AND r.window_start <= c.event_time AND r.window_start > c.event_time - interval '24 hours' AND r.window_end > c.event_time
  LIMIT 1`;

/**
 * The bucket of event `c`: its UTC day, cut at the nearest billing period boundaries (start or
 * end of any period of the pair) on either side, so no bucket straddles a period boundary.
 */
const BUCKET_BOUNDS = `
  SELECT max(b.at) FILTER (WHERE b.at <= c.event_time) AS lower_bound, min(b.at) FILTER (WHERE b.at > c.event_time) AS upper_bound,
         bool_or(p.period_start <= c.event_time AND p.period_end > c.event_time
                 AND p.invoice_finalized_at IS NULL AND p.period_end >= now() - interval '35 days') AS period_open
  FROM billing_periods p CROSS JOIN LATERAL (VALUES (p.period_start), (p.period_end)) b(at)
  WHERE p.customer_id = c.customer_id AND p.meter_id = c.meter_id`;

/**
 * $1 < id <= $2: the batch; $3: the horizon. An event is eligible when it is older than the
 * horizon, its report is settled, its billing period's invoice is final (or the period ended more
 * than Stripe's 35 days ago, after which nothing can change it), and it was never corrected: a
 * corrected event stays beside its corrections, which the trace and the corrections list show.
 *
 * retention_state counts the batch in the same statement. The upsert adds to a bucket rolled up by an earlier run (an event whose report settled late),
 * keeping the latest event by (time, id), the order the `last` aggregation uses everywhere.
 */
export const ROLL_UP_BATCH_SQL = `
WITH batch AS (
  SELECT c.id, c.received_at FROM usage_events c WHERE c.id > $1 AND c.id <= $2
),
eligible AS (
  SELECT c.id, report.late_unbillable,
         greatest(date_trunc('day', c.event_time, 'UTC'), bounds.lower_bound) AS bucket_start,
         least(date_trunc('day', c.event_time, 'UTC') + interval '1 day', bounds.upper_bound) AS bucket_end
  FROM usage_events c
  CROSS JOIN LATERAL (${SETTLED_REPORT}) report
  CROSS JOIN LATERAL (${BUCKET_BOUNDS}) bounds
  WHERE c.id > $1 AND c.id <= $2 AND c.event_time < $3
    AND (report.late_unbillable OR NOT EXISTS (SELECT 1 FROM report_queue q WHERE q.report_id = report.id))
    AND NOT coalesce(bounds.period_open, false)
    AND NOT EXISTS (SELECT 1 FROM usage_corrections k WHERE k.event_id = c.id)
),
doomed AS (
  DELETE FROM usage_events e USING eligible
  WHERE e.id = eligible.id
  RETURNING e.customer_id, e.meter_id, e.id, e.value, e.event_time, eligible.late_unbillable, eligible.bucket_start, eligible.bucket_end
),
buckets AS (
  SELECT customer_id, meter_id, bucket_start, min(bucket_end) AS bucket_end,
         sum(value) AS units, count(*) AS event_count,
         coalesce(sum(value) FILTER (WHERE late_unbillable), 0) AS unbillable_units, count(*) FILTER (WHERE late_unbillable) AS unbillable_events,
         (array_agg(value ORDER BY event_time DESC, id DESC))[1] AS last_value, max(event_time) AS last_time,
         (array_agg(id ORDER BY event_time DESC, id DESC))[1] AS last_event_id,
         (array_agg(late_unbillable ORDER BY event_time DESC, id DESC))[1] AS last_unbillable
  FROM doomed GROUP BY customer_id, meter_id, bucket_start
),
merged AS (
  INSERT INTO usage_daily AS d (customer_id, meter_id, bucket_start, bucket_end, units, event_count, unbillable_units, unbillable_events,
                                last_value, last_time, last_event_id, last_unbillable)
  SELECT customer_id, meter_id, bucket_start, bucket_end, units, event_count, unbillable_units, unbillable_events,
         last_value, last_time, last_event_id, last_unbillable
  FROM buckets
  ON CONFLICT (customer_id, meter_id, bucket_start) DO UPDATE SET
    units = d.units + excluded.units,
    event_count = d.event_count + excluded.event_count,
    unbillable_units = d.unbillable_units + excluded.unbillable_units,
    unbillable_events = d.unbillable_events + excluded.unbillable_events,
    last_value = CASE WHEN (excluded.last_time, excluded.last_event_id) > (d.last_time, d.last_event_id) THEN excluded.last_value ELSE d.last_value END,
    last_unbillable = CASE WHEN (excluded.last_time, excluded.last_event_id) > (d.last_time, d.last_event_id) THEN excluded.last_unbillable ELSE d.last_unbillable END,
    last_event_id = CASE WHEN (excluded.last_time, excluded.last_event_id) > (d.last_time, d.last_event_id) THEN excluded.last_event_id ELSE d.last_event_id END,
    last_time = greatest(d.last_time, excluded.last_time),
    updated_at = now()
  RETURNING 1
),
counted AS (
  -- in the batch's transaction, so the state never counts a batch that did not commit
  UPDATE retention_state SET last_run_deleted = last_run_deleted + deleted.n, deleted_total = deleted_total + deleted.n, last_rollup_at = now()
  FROM (SELECT count(*) AS n FROM doomed) deleted
  WHERE id = 1 AND deleted.n > 0
)
SELECT (SELECT count(*) FROM doomed)::int AS deleted, (SELECT count(*) FROM merged)::int AS buckets,
       (SELECT extract(epoch FROM min(received_at)) * 1000 FROM batch)::float8 AS oldest_received_ms`;

/** Where the walk over event ids starts and ends: everything inserted before the run began. */
export const ID_RANGE_SQL = `SELECT coalesce(min(id), 0)::text AS first, coalesce(max(id), 0)::text AS last FROM usage_events`;

export const RECORD_RUN_START_SQL = `UPDATE retention_state SET last_run_started_at = now(), horizon = $1, last_run_deleted = 0, last_error = NULL WHERE id = 1`;

export const RECORD_RUN_END_SQL = `UPDATE retention_state SET last_run_finished_at = now(), last_error = $1 WHERE id = 1`;

/** The state for GET /v1/reporting/status and the metrics; the oldest raw event is the first by id (arrival). */
export const RETENTION_STATUS_SQL = `
SELECT s.horizon, s.last_run_started_at AS "lastRunStartedAt", s.last_run_finished_at AS "lastRunFinishedAt", s.last_rollup_at AS "lastRollupAt",
       s.last_run_deleted::text AS "lastRunDeleted", s.deleted_total::text AS "deletedTotal", s.last_error AS "lastError",
       (SELECT e.received_at FROM usage_events e ORDER BY e.id LIMIT 1) AS "oldestRawEventReceivedAt"
FROM retention_state s WHERE s.id = 1`;
