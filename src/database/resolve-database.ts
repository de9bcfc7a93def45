import type { AppConfig } from '../config/app-config.js';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

const EMBEDDED_DATABASE = 'meterbridge';

export interface ResolvedDatabase {
  /** The configuration with `database.url` always set. */
  config: AppConfig;
  /** Present when this process started the database: it stops it last. */
  embedded?: EmbeddedDatabase;
}

/**
 * DATABASE_URL when set, otherwise the persistent embedded PostgreSQL: the service, its CLI and
 * migrations all start this way. When another process already runs it on the same data folder
 * (the CLI while `npm start` runs), that server is used and left running.
 */
export async function resolveDatabase(config: AppConfig, announce: (line: string) => void): Promise<ResolvedDatabase> {
  if (config.database.url) return { config };
  const running = await findRunningEmbeddedPostgres(config.database.embeddedDir, EMBEDDED_DATABASE);
  if (running) {
    announce(`No DATABASE_URL: using the embedded PostgreSQL already running with data under ${config.database.embeddedDir} (port ${new URL(running).port})`);
    return { config: config.withDatabaseUrl(running) };
  }
  announce(`No DATABASE_URL: starting an embedded PostgreSQL with data under ${config.database.embeddedDir}`);
  const embedded = await startEmbeddedPostgres({
    dataDir: config.database.embeddedDir,
    port: config.database.embeddedPort,
    database: EMBEDDED_DATABASE,
    persistent: true,
  });
  return { config: config.withDatabaseUrl(embedded.url), embedded };
}
