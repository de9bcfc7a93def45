import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { configureHttp } from '../../src/app.factory';
import { createHttpAdapter } from '../../src/common/http/hardening';
import { createRootLogger } from '../../src/common/logging/root-logger';
import type { AppConfig } from '../../src/config/app-config';

export interface ProbeApp {
  app: NestFastifyApplication;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * The whole AppModule (its global guards and HTTP hardening included) plus test-only controllers, on an already
 * migrated database: for behaviour no production route shows on its own (an undeclared route,
 * a usage:write bucket).
 */
export async function startProbeApp(config: AppConfig, controllers: Type[]): Promise<ProbeApp> {
  const logger = createRootLogger(config);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, logger)], controllers }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config, logger), { logger: false, bodyParser: false, rawBody: true });
  await configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  return { app, http: request.agent(app.getHttpServer()), close: () => app.close() };
}
