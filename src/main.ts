import { loadAppConfig, type AppConfig } from './config/app-config.js';
import { ConfigValidationError } from './config/environment.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { MigrationService } from './database/migration.service.js';
import { createApp } from './app.factory.js';
import { describeStartupFailure } from './startup-failure.js';

async function resolveDatabase(config: AppConfig): Promise<{ config: AppConfig; embedded?: EmbeddedDatabase }> {
  if (config.database.url) return { config };
  process.stdout.write(`No DATABASE_URL: starting an embedded PostgreSQL with data under ${config.database.embeddedDir}\n`);
  const embedded = await startEmbeddedPostgres({
    dataDir: config.database.embeddedDir,
    port: config.database.embeddedPort,
    database: 'meterbridge',
    persistent: true,
  });
  return { config: config.withDatabaseUrl(embedded.url), embedded };
}

async function main(): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  try {
    const resolved = await resolveDatabase(loadAppConfig());
    embedded = resolved.embedded;
    const app = await createApp(resolved.config);
    await app.get(MigrationService).migrateUnderLock();
    await app.listen(resolved.config.port);
    const stop = async () => {
      await app.close();
      await embedded?.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : describeStartupFailure(error)}\n`);
    await embedded?.stop();
    process.exit(1);
  }
}

void main();
