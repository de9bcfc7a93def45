import { AdvisoryLock, tryWithAdvisoryLock, withAdvisoryLock, type LockHold } from '../src/database/advisory-lock';
import { terminateAdvisoryLockHolder } from './support/advisory-lock-holder';
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

  async function terminateLockHolder(lock: AdvisoryLock): Promise<void> {
    expect(await terminateAdvisoryLockHolder(database.url, lock)).toBe(1);
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
