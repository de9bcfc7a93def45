import type { SqlQuery } from './transaction-watermark.js';

/**
 * How fresh a read on DATABASE_READ_URL is (docs/read-routing.md). On the primary, or on a
 * streaming replica that has replayed everything it received, the data includes every commit
 * before now(); a replica still replaying is as of its last replayed commit. Taken before the
 * read, so the answer includes at least everything committed before `asOf` (WAL not yet received
 * by the replica aside: the transport lag the replica cannot see).
 */
const AS_OF_SQL = `
SELECT to_json(CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN now()
                    ELSE coalesce(pg_last_xact_replay_timestamp(), now()) END) #>> '{}' AS "asOf"`;

export async function readAsOf(query: SqlQuery): Promise<string> {
  const [row] = await query<{ asOf: string }>(AS_OF_SQL);
  return new Date(row!.asOf).toISOString();
}

/** Where the primary's WAL ends now: a read that must include everything committed so far waits for a replica to replay it. */
export const PRIMARY_WAL_POSITION_SQL = `SELECT pg_current_wal_lsn()::text AS lsn`;

/** True once the database has replayed (or, on the primary, written) WAL up to $1. */
export const REPLAYED_UP_TO_SQL = `SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed`;
