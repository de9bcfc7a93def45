import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addErrorResponses } from './error-responses.js';
import { addExactlyOneOf } from './exactly-one-of.decorator.js';
import { addSecurity } from './security.js';
import { addValidationRules } from './validation-rules.js';

/** Routes the rate limiter skips: the probes and Stripe's webhook. */
const UNLIMITED = /^\/(health\/|webhooks\/)/;

/**
 * The OpenAPI document of every route (served at /docs-json, linted by `npm run openapi:lint`,
 * and the contract the end-to-end tests check every answer against): what the decorators say,
 * completed with the security, the error responses of each operation and the validation rules.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Meterbridge')
      .setDescription('Records usage and reports it to Stripe Billing meters exactly once, in the right period. Every error has the shape of the Error schema; each operation lists its codes.')
      .setVersion('1')
      .addServer('/', 'the service that serves this document')
      .build(),
  );
  addSecurity(document, (path) => path === '/metrics');
  addErrorResponses(document, (path) => UNLIMITED.test(path));
  addValidationRules(document);
  addExactlyOneOf(document);
  return document;
}
