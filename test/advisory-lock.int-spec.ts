import pg from 'pg';
import { AdvisoryLock, tryWithAdvisoryLock, withAdvisoryLock, type LockHold } from '../src/database/advisory-lock';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * A lock is held on a dedicated connection while its work runs. PostgreSQL may drop that
 * connection meanwhile (a restart, a failover, an operator's pg_terminate_backend): found by the
 * chaos run, where such a drop crashed the app with an unhandled 'error' event.
 */
describe('advisory locks (integration)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  /** What a PostgreSQL restart does to the session holding the lock. */
  async function terminateLockHolder(lock: AdvisoryLock): Promise<void> {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = $1 and database = (select oid from pg_database where datname = current_database())`,
        [lock],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // the terminated session's FATAL message reaches the lock's client while the work still runs
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  it.each([
    ['withAdvisoryLock', (work: (held: LockHold) => Promise<string>) => withAdvisoryLock(database.url, AdvisoryLock.Reporter, work)],
    ['tryWithAdvisoryLock', (work: (held: LockHold) => Promise<string>) => tryWithAdvisoryLock(database.url, AdvisoryLock.Reporter, work).then((outcome) => (outcome.acquired ? outcome.result : 'skipped'))],
  ])('%s: losing the lock connection mid-work neither crashes the process nor loses the work, and the work learns it', async (_name, hold) => {
    const work = async (lock: LockHold) => {
      expect(lock.held).toBe(true);
      await terminateLockHolder(AdvisoryLock.Reporter);
      return lock.held ? 'still held' : 'finished';
    };
    await expect(hold(work)).resolves.toBe('finished');
    // the lock went with the session: the next holder gets it at once
    await expect(hold(async () => 'again')).resolves.toBe('again');
  });
});
