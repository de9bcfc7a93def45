import { loadAppConfig } from './config/app-config.js';
import { ConfigValidationError } from './config/environment.js';
import type { EmbeddedDatabase } from './database/embedded-postgres.js';
import { MigrationService } from './database/migration.service.js';
import { resolveDatabase } from './database/resolve-database.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { createApp } from './app.factory.js';
import { installGracefulShutdown } from './graceful-shutdown.js';
import { describeStartupFailure } from './startup-failure.js';

async function main(): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  try {
    const resolved = await resolveDatabase(loadAppConfig(), (line) => process.stdout.write(`${line}\n`));
    embedded = resolved.embedded;
    const app = await createApp(resolved.config);
    await app.get(MigrationService).migrateUnderLock();
    await app.get(ApiKeysService).ensureBootstrapKey();
    // Fastify binds localhost unless told otherwise, which nothing outside a container could reach
    await app.listen(resolved.config.port, resolved.config.host);
    installGracefulShutdown(app, { graceMs: resolved.config.shutdownGraceMs, afterClose: async () => embedded?.stop() });
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : describeStartupFailure(error)}\n`);
    await embedded?.stop();
    process.exit(1);
  }
}

void main();
