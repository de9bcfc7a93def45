/** Runs one statement inside the caller's transaction (NativeSql.transaction hands one out). */
export type SqlQuery = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/**
 * The claim position of a watermark table (one row, id 1, column `last_tx` of type xid8): `lo` is
 * where the last claim stopped; `hi` is the lowest transaction still running that could yet write
 * usage events, so every event below it is committed (or rolled back) and visible to the claim,
 * and nothing below `hi` can appear later. Transaction ids are shared by every database of the
 * server, but only a session of this database can write our events, so transactions running in
 * other databases (a long batch job elsewhere) do not hold the claim back. $1 is the snapshot's
 * xmax taken before $2, the ids of this database's sessions: a transaction younger than $1 might
 * have started after $2 was read, so it counts as ours.
 */
const lockWatermarkSql = (table: string) => `
SELECT last_tx::text AS lo, greatest(last_tx, coalesce(
  (SELECT min(running) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
    WHERE running >= $1::xid8 OR xid(running)::text = ANY($2::text[])),
  pg_snapshot_xmax(pg_current_snapshot())))::text AS hi
FROM ${table} WHERE id = 1 FOR UPDATE`;

/** The transactions of this database's sessions (only those can write usage events). */
export const OWN_DATABASE_TRANSACTIONS_SQL = `
SELECT coalesce(array_agg(backend_xid::text), '{}') AS xids FROM pg_stat_activity
WHERE datname = current_database() AND backend_xid IS NOT NULL`;

export type WatermarkTable = 'reporter_watermark' | 'usage_alert_watermark';

/**
 * Locks the watermark row and returns the range [lo, hi) of transaction ids whose usage events
 * are now all visible and were not read by an earlier claim. Must run first in its transaction
 * (the order of the three reads is what makes the range safe); the caller stores `hi` with
 * `advanceWatermark` in the same transaction.
 */
export async function lockWatermark(query: SqlQuery, table: WatermarkTable): Promise<{ lo: string; hi: string }> {
  // order matters: the xmax before the sessions' ids, the sessions' ids before the claim's snapshot
  const [{ xmax }] = (await query<{ xmax: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax')) as [{ xmax: string }];
  const [{ xids }] = (await query<{ xids: string[] }>(OWN_DATABASE_TRANSACTIONS_SQL)) as [{ xids: string[] }];
  const [range] = await query<{ lo: string; hi: string }>(lockWatermarkSql(table), [xmax, xids]);
  return range!;
}

export async function advanceWatermark(query: SqlQuery, table: WatermarkTable, hi: string): Promise<void> {
  await query(`UPDATE ${table} SET last_tx = $1::xid8 WHERE id = 1`, [hi]);
}
