import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * Fastify's request logging, reduced to one line per answered request: info, warn for 4xx, error
 * for 5xx, with the caller's key by its public prefix once the guard has verified it; health
 * probes are not logged. The line, and the serializing it needs, is built only when its level is
 * enabled: on Express a per-request child logger holding the serialized request cost a tenth of
 * the ingest path's CPU, whatever the level.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const level = error || reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'warn' : 'info';
    const log = request.log as Logger;
    if (!log.isLevelEnabled(level) || request.url.startsWith('/health')) return;
    const apiKey = request.apiKey?.prefix;
    log[level]({ req: request, res: reply, responseTime: reply.elapsedTime, ...(apiKey ? { apiKey } : {}), ...(error ? { err: error } : {}) }, 'request completed');
  }
}

/** Every answer carries its request id (the caller's X-Request-Id when well-formed), so a caller can quote it. */
export function echoRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
}

/**
 * Whatever the handler logs through Nest's logger carries the request id: the handler runs inside
 * the context that nestjs-pino's logger reads (the preHandler hook calls it synchronously).
 */
export function bindRequestLogs(fastify: FastifyInstance, logger: PinoLogger): void {
  fastify.addHook('preHandler', (request, _reply, done) => logger.runInContext(done, { bindings: { reqId: request.id } }));
}
