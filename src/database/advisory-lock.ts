import { Logger } from '@nestjs/common';
import pg from 'pg';

/** Every PostgreSQL advisory lock id the service takes, in one place so two features never share one. */
export enum AdvisoryLock {
  Migrations = 7_001_001,
  Reporter = 7_001_002,
  Reconciliation = 7_001_003,
  UsageAlerts = 7_001_004,
  InvoiceVerification = 7_001_005,
  Retention = 7_001_006,
}

const logger = new Logger('AdvisoryLock');

/** Idle time on a lock's connection before TCP keepalive starts probing it. */
const LOCK_KEEPALIVE_DELAY_MS = 10_000;

/**
 * Whether this process still holds the lock. PostgreSQL may drop the lock's connection while the
 * work runs (a restart, a failover, an operator's pg_terminate_backend): the lock goes with the
 * session, so another process may take it while this work goes on. Work that must never run
 * beside another holder (the reporter) checks it before each step that reaches Stripe.
 */
export interface LockHold {
  readonly held: boolean;
}

/**
 * The dedicated connection a lock is held on. When PostgreSQL drops it, pg emits 'error' on the
 * idle client (an 'error' nobody listens to crashes the process): the hold ends there. The work
 * under way finishes on its own connections, and `end()` on the dead client resolves at once.
 */
async function lockConnection(databaseUrl: string, lock: AdvisoryLock): Promise<{ client: pg.Client; hold: LockHold }> {
  // nothing is sent on this connection while the work runs: TCP keepalive probes it, so one that
  // died without a word (a partition, a proxy's idle timeout) ends in 'error' too, once the
  // kernel's probes have gone unanswered
  const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true, keepAliveInitialDelayMillis: LOCK_KEEPALIVE_DELAY_MS });
  const hold = { held: true };
  client.on('error', (error) => {
    hold.held = false;
    logger.warn(`lost the connection holding advisory lock ${AdvisoryLock[lock]}: ${error.message}`);
  });
  await client.connect();
  return { client, hold };
}

/**
 * Holds a session-level advisory lock on a dedicated connection while `work` runs, so the lock
 * is held by one connection from acquire to release (a pooled connection could differ).
 */
export async function withAdvisoryLock<T>(databaseUrl: string, lock: AdvisoryLock, work: (hold: LockHold) => Promise<T>): Promise<T> {
  const { client, hold } = await lockConnection(databaseUrl, lock);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lock]);
    return await work(hold);
  } finally {
    await client.end();
  }
}

export type TryLockResult<T> = { acquired: true; result: T } | { acquired: false };

/** Like withAdvisoryLock, but gives up at once when another session holds the lock (scheduled work skips a beat). */
export async function tryWithAdvisoryLock<T>(databaseUrl: string, lock: AdvisoryLock, work: (hold: LockHold) => Promise<T>): Promise<TryLockResult<T>> {
  const { client, hold } = await lockConnection(databaseUrl, lock);
  try {
    const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [lock]);
    if (!rows[0]?.acquired) return { acquired: false };
    return { acquired: true, result: await work(hold) };
  } finally {
    await client.end();
  }
}
