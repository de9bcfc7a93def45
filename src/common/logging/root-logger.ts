import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { defaultLogDestination } from './log-format.js';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The only request headers a log line carries: any other header may hold a credential (a custom
 * token header, a proxy's forwarded authorization), so it is left out rather than redacted by name.
 */
const LOGGED_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'x-request-id', 'x-forwarded-for'];

/** The path without its query string (a caller may put a token there), and the whitelisted headers. */
function serializeRequest(request: FastifyRequest) {
  const headers = Object.fromEntries(LOGGED_HEADERS.filter((name) => request.headers[name] !== undefined).map((name) => [name, request.headers[name]]));
  return { id: request.id, method: request.method, url: request.url.split('?')[0], headers, remoteAddress: request.ip };
}

const serializeResponse = (reply: FastifyReply) => ({ statusCode: reply.statusCode });

/** Headers and fields that may carry credentials; their values never reach a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.secret',
  '*.secretKey',
  '*.password',
];

function maskSecrets(secrets: string[]): (line: string) => string {
  return (line) => secrets.reduce((masked, secret) => (masked.includes(secret) ? masked.replaceAll(secret, '[redacted]') : masked), line);
}

/** Reuses the caller's X-Request-Id when it is well-formed, so one id follows a request across services. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The one pino logger of the process: Fastify's request loggers and Nest's logger both derive
 * from it. It writes to stdout (see log-format.ts) unless given a destination (tests read what
 * the service logged).
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
    // last line of defence: a configured secret is masked wherever it shows up (a path segment, an error message)
    hooks: { streamWrite: maskSecrets(config.secrets()) },
  }, destination ?? defaultLogDestination(config));
}
