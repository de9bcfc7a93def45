import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { buildOpenApiDocument } from './common/openapi/openapi-document.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import { createHttpAdapter, hardenHttp } from './common/http/hardening.js';
import { bindRequestLogs, echoRequestId } from './common/logging/access-log.js';
import { createRootLogger } from './common/logging/root-logger.js';
import { registerHttpMetrics } from './metrics/http-metrics.hook.js';
import { MetricsService } from './metrics/metrics.service.js';

export interface AppOptions {
  /** Where log lines go (default: stdout); tests read them to prove what never reaches a log. */
  logDestination?: DestinationStream;
}

/** Builds the HTTP application exactly as production runs it; tests call this too (and may read its log lines). */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, options.logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), createHttpAdapter(config, logger), {
    bufferLogs: true,
    bodyParser: false,
    rawBody: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  await configureHttp(app, config);
  // the route list is a map for an attacker: production serves it only when DOCS_ENABLED=true
  if (config.docsEnabled) mountOpenApi(app);
  return app;
}

/** Everything of the HTTP layer but the OpenAPI page; the probe app of the tests applies it too. */
export async function configureHttp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  hardenHttp(app, config);
  const fastify = app.getHttpAdapter().getInstance();
  echoRequestId(fastify);
  bindRequestLogs(fastify, await app.resolve(PinoLogger));
  registerHttpMetrics(fastify, app.get(MetricsService));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
}

function mountOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
