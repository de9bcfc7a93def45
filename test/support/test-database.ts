import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is set by test/support/global-setup.ts');
  return url;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Names this run's databases apart from other runs on the same server (set by global-setup.ts). */
const runPrefix = () => `mb_test_${process.env.TEST_RUN_ID ?? 'run'}_`;

/** A fresh, empty database for one test file, so files run in parallel without sharing rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${runPrefix()}${randomBytes(6).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Drops the databases this run left in place (global-teardown.ts): a test file may leave its
 * database to the end of the run rather than wait for DROP DATABASE, which makes the server write
 * an immediate checkpoint of every database's dirty pages (seconds, and far more while other
 * files write). Dropped together, their drops share the checkpoints.
 */
export async function dropRunDatabases(): Promise<void> {
  const names = await onServer(async (client) => (await client.query<{ name: string }>(`SELECT datname AS name FROM pg_database WHERE starts_with(datname, $1)`, [runPrefix()])).rows);
  await Promise.all(names.map(({ name }) => onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))));
}
