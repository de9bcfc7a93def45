import pg from 'pg';
import type { AdvisoryLock } from '../../src/database/advisory-lock';

/**
 * What a PostgreSQL restart does to the session holding `lock` in `databaseUrl`'s database: its
 * backend is terminated. Returns how many sessions were (1 when one held it).
 */
export async function terminateAdvisoryLockHolder(databaseUrl: string, lock: AdvisoryLock): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = $1 and database = (select oid from pg_database where datname = current_database())`,
      [lock],
    );
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}
