import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MikroORM } from '@mikro-orm/postgresql';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config';
import { MigrationService } from '../../src/database/migration.service';
import { generateApiKeyToken } from '../../src/auth/api-key-token';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import type { ApiScope } from '../../src/auth/scopes.decorator';
import { closeApp } from './close-app';
import { checkedAgent, contractOf } from './openapi-contract';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /**
   * Sends the bootstrap admin key on every request; use `anonymous` to call without one. Both check
   * every answer against the OpenAPI document (openapi-contract.ts): an undocumented status or a
   * body that does not match its schema fails the test.
   */
  http: TestAgent;
  anonymous: TestAgent;
  database: TestDatabase;
  /** Runs SQL on the app's database (fixtures and row-count assertions). */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** The bootstrap admin key (BOOTSTRAP_ADMIN_API_KEY): `.set('authorization', `Bearer ${testApp.adminKey}`)`. */
  adminKey: string;
  /** Mints a key with these scopes and returns it (the secret, shown once). */
  createKey(...scopes: ApiScope[]): Promise<string>;
  close(): Promise<void>;
}

/** Test configuration: the same validation as production, no .env file, quiet logs. */
export function testConfig(environment: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', ...environment }, '/nonexistent/.env');
}

/** Load and concurrency tests must not meet the rate limiters (nor fuzzers with made-up keys the failed-auth one); their own tests set small limits. */
const UNLIMITED_RATES = {
  RATE_LIMIT_DEFAULT_PER_MINUTE: '1000000',
  RATE_LIMIT_USAGE_WRITE_PER_MINUTE: '1000000',
  RATE_LIMIT_USAGE_READ_PER_MINUTE: '1000000',
  AUTH_FAILURES_PER_MINUTE: '1000000',
  // on this shared machine a Redis answer can take longer than production's 100 ms: a test meeting
  // the fallback by accident would count differently (the fallback's own tests set their timeout)
  RATE_LIMIT_REDIS_TIMEOUT_MS: '2000',
};

/**
 * The real application on its own fresh database (or on `options.database`, which it then leaves
 * in place), migrated, with a bootstrap admin key, listening on a random port (or `options.port`),
 * logging to `options.logDestination` when given (set LOG_LEVEL too: tests default to silent).
 */
export async function startTestApp(
  environment: Record<string, string> = {},
  options: { database?: TestDatabase; port?: number; logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig({ DATABASE_URL: database.url, BOOTSTRAP_ADMIN_API_KEY: generateApiKeyToken().token, ...UNLIMITED_RATES, ...environment });
  const app = await createApp(config, { logDestination: options.logDestination });
  await app.get(MigrationService).migrateUnderLock();
  await app.get(ApiKeysService).ensureBootstrapKey();
  await app.listen(options.port ?? 0, '127.0.0.1');
  return {
    app,
    config,
    database,
    http: checkedAgent(request.agent(app.getHttpServer()).set('authorization', `Bearer ${config.auth.bootstrapAdminKey}`), contractOf(app)),
    anonymous: checkedAgent(request.agent(app.getHttpServer()), contractOf(app)),
    sql: <T>(query: string, params: unknown[] = []) => app.get(MikroORM).em.fork().execute<T[]>(query, params),
    adminKey: config.auth.bootstrapAdminKey as string,
    createKey: async (...scopes) => (await app.get(ApiKeysService).create(`test ${scopes.join(' ')}`, scopes)).token,
    close: async () => {
      await closeApp(app);
      if (!options.database) await database.drop();
    },
  };
}
