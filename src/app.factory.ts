import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import { hardenHttp } from './common/http/hardening.js';
import { limitJsonDepth } from './common/http/json-depth.js';

/** Builds the HTTP application exactly as production runs it; tests call this too. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    rawBody: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  hardenHttp(app, config);
  app.useBodyParser('json', { limit: config.httpBodyLimit });
  app.use(limitJsonDepth());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.set('x-powered-by', false);
  mountOpenApi(app);
  return app;
}

function mountOpenApi(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Meterbridge')
      .setDescription('Records usage and reports it to Stripe Billing meters exactly once, in the right period.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
