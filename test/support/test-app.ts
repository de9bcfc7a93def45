import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config';
import { MigrationService } from '../../src/database/migration.service';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: TestAgent;
  database: TestDatabase;
  /** Runs SQL on the app's database (fixtures and row-count assertions). */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Test configuration: the same validation as production, no .env file, quiet logs. */
export function testConfig(environment: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', ...environment }, '/nonexistent/.env');
}

/** The real application on its own fresh database, migrated, listening on a random port. */
export async function startTestApp(environment: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, ...environment });
  const app = await createApp(config);
  await app.get(MigrationService).migrateUnderLock();
  await app.listen(0, '127.0.0.1');
  return {
    app,
    config,
    database,
    http: request(app.getHttpServer()),
    sql: <T>(query: string, params: unknown[] = []) => app.get(MikroORM).em.fork().execute<T[]>(query, params),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
