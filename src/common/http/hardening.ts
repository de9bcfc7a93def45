import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../../config/app-config.js';
import type { ErrorBody } from '../errors/error-body.js';

/**
 * Security headers, CORS (off unless CORS_ORIGINS lists origins: the callers are services),
 * `trust proxy` for client IPs, and time limits: Node answers 408 to a client too slow to send
 * its request, and a request still being served after the limit gets a JSON 503.
 */
export function hardenHttp(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.http.trustProxy);
  app.use(helmet());
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: config.http.corsOrigins });
  app.use(requestTimeout(config.http.requestTimeoutMs));
  const server: Server = app.getHttpServer();
  server.requestTimeout = config.http.requestTimeoutMs;
  server.headersTimeout = Math.min(config.http.requestTimeoutMs, 60_000);
}

/**
 * The handler may still finish after the 503 (an insert may commit): that is safe because every
 * write carries an idempotency key, which the message tells the caller to retry with.
 */
function requestTimeout(ms: number) {
  return (_request: Request, response: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (response.headersSent) return;
      const body: ErrorBody = {
        statusCode: 503,
        error: 'REQUEST_TIMEOUT',
        message: `The request was not served within ${ms} ms; it may still complete: retry it with the same idempotency key`,
      };
      response.status(503).setHeader('Connection', 'close').json(body);
    }, ms);
    const clear = () => clearTimeout(timer);
    response.once('finish', clear).once('close', clear);
    next();
  };
}
