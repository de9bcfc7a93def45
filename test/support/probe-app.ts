import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { AllExceptionsFilter } from '../../src/common/errors/all-exceptions.filter';
import { hardenHttp } from '../../src/common/http/hardening';
import type { AppConfig } from '../../src/config/app-config';

export interface ProbeApp {
  app: NestExpressApplication;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * The whole AppModule (its global guards and HTTP hardening included) plus test-only controllers, on an already
 * migrated database: for behaviour no production route shows on its own (an undeclared route,
 * a usage:write bucket).
 */
export async function startProbeApp(config: AppConfig, controllers: Type[]): Promise<ProbeApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)], controllers }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  hardenHttp(app, config);
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.listen(0, '127.0.0.1');
  return { app, http: request.agent(app.getHttpServer()), close: () => app.close() };
}
