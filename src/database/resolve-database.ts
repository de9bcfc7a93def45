import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

export interface ResolvedDatabase {
  /** The configuration with `database.url` always set. */
  config: AppConfig;
  /** Present when this process started the database: it stops it last. */
  embedded?: EmbeddedDatabase;
}

/** DATABASE_URL when set, otherwise the persistent embedded PostgreSQL: the service, its CLI and migrations all start this way. */
export async function resolveDatabase(config: AppConfig, announce: (line: string) => void): Promise<ResolvedDatabase> {
  if (config.database.url) return { config };
  announce(`No DATABASE_URL: starting an embedded PostgreSQL with data under ${config.database.embeddedDir}`);
  const embedded = await startEmbeddedPostgres({
    dataDir: config.database.embeddedDir,
    port: config.database.embeddedPort,
    database: 'meterbridge',
    persistent: true,
  });
  return { config: config.withDatabaseUrl(embedded.url), embedded };
}
