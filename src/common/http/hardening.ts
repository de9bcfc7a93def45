import type { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { CommonErrors } from '../errors/common.errors.js';
import { errorBody, toErrorBody, type ErrorBody } from '../errors/error-body.js';
import { AccessLog } from '../logging/access-log.js';
import { requestIdOf } from '../logging/root-logger.js';
import { parseJsonBody } from './json-body.js';
import { answerUnsupportedMethods } from './method-not-allowed.js';

/**
 * Fastify, not Express: on this service's hot path (POST /v1/usage) Nest on Express spent more CPU
 * in its router and middleware chain than in the ingest itself (bench/README numbers in the issue
 * note). Body limit, client IPs behind `trust proxy`, and time limits (408 to a client too slow to
 * send its request, 503 to one still being served after the limit: see answerLateRequests).
 */
export function createHttpAdapter(config: AppConfig, logger: Logger): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    logController: new AccessLog(),
    genReqId: requestIdOf,
    trustProxy: trustedProxies(config.http.trustProxy),
    bodyLimit: config.httpBodyLimitBytes,
    requestTimeout: config.http.requestTimeoutMs,
    // Express bounded no path parameter; Fastify's default (100 characters) answered 414 to long ids
    routerOptions: { maxParamLength: 1000 },
    // what Fastify refuses before routing (a malformed URL) gets the error shape and headers of any other answer
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const body = toErrorBody(error) ?? errorBody(CommonErrors.BAD_REQUEST, 'The request could not be routed');
      void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id).code(body.statusCode).send(body);
    },
  });
}

/**
 * helmet's headers depend on its options only, never on the request: they are computed once and
 * set on every answer (as a per-request middleware helmet re-parsed its CSP each time, 6% of the
 * ingest path's CPU).
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}

const SECURITY_HEADERS = securityHeaders();

declare module 'fastify' {
  interface FastifyRequest {
    lateAnswer: NodeJS.Timeout | null;
  }
}

/**
 * A request still being served after `ms` gets a JSON 503. The handler may still finish after it
 * (an insert may commit): that is safe because every write carries an idempotency key, which the
 * message tells the caller to retry with. A client that has not finished sending its body by then
 * gets a 408 instead: nothing of it was handled. (Fastify's own handlerTimeout builds an
 * AbortController per request and a DOMException when it closes, 8% of the ingest path's CPU.)
 */
function answerLateRequests(fastify: FastifyInstance, ms: number): void {
  const late: ErrorBody = errorBody(CommonErrors.REQUEST_TIMEOUT, `The request was not served within ${ms} ms; it may still complete: retry it with the same idempotency key`);
  const slowClient: ErrorBody = errorBody(CommonErrors.REQUEST_BODY_TIMEOUT, `The request body was not received within ${ms} ms; nothing was done: send it again`);
  fastify.decorateRequest('lateAnswer', null);
  fastify.addHook('onRequest', (request, reply, done) => {
    request.lateAnswer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      const body = request.raw.complete ? late : slowClient;
      void reply.code(body.statusCode).header('connection', 'close').send(body);
    }, ms);
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    clearTimeout(request.lateAnswer ?? undefined);
    done();
  });
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes the function Express built from one. */
function trustedProxies(trust: AppConfig['http']['trustProxy']): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** Security headers, CORS (off unless CORS_ORIGINS lists origins: the callers are services) and the JSON body parser. */
export function hardenHttp(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    done();
  });
  answerLateRequests(fastify, config.http.requestTimeoutMs);
  answerUnsupportedMethods(fastify);
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: config.http.corsOrigins });
  app.useBodyParser('application/json', { bodyLimit: config.httpBodyLimitBytes }, parseJsonBody(config.httpBodyLimitBytes));
  app.getHttpServer().headersTimeout = Math.min(config.http.requestTimeoutMs, 60_000);
}
