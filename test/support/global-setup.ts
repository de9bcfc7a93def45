import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { freePort } from './free-port';

declare global {
  var embeddedTestDatabase: EmbeddedDatabase | undefined;
}

/**
 * Tests run against TEST_DATABASE_URL when it is set (CI points it at the machine's PostgreSQL);
 * otherwise an embedded PostgreSQL is started for the run and deleted afterwards. Each test file
 * then creates its own database on that server (test/support/test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.STRIPE_SUPPRESS_NOTICES = 'true';
  process.env.TZ = 'UTC';
  // the run's test databases carry it in their names (test-database.ts), so only this run drops them
  process.env.TEST_RUN_ID = randomBytes(4).toString('hex');
  if (process.env.TEST_DATABASE_URL) return;
  const parent = await mkdtemp(join(tmpdir(), 'meterbridge-test-'));
  // as root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder
  await chmod(parent, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(parent, 'pg'),
    port: await freePort(),
    database: 'test',
    persistent: false,
  });
  globalThis.embeddedTestDatabase = database;
  process.env.TEST_DATABASE_URL = database.url;
  process.stdout.write(`\nTEST_DATABASE_URL not set: tests run on an embedded PostgreSQL (${new URL(database.url).host})\n`);
}
