import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../../app.module.js';
import { loadAppConfig } from '../../config/app-config.js';
import { buildOpenApiDocument } from './openapi-document.js';

/**
 * The OpenAPI document from the module graph alone: preview mode instantiates no provider, so no
 * database, Redis or Stripe is reached (the URL below is never dialled). The same document the
 * service serves at /docs-json.
 */
export async function previewOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadAppConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://openapi@127.0.0.1:1/unused' }, '/nonexistent/.env');
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
