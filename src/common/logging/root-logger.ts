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

/**
 * Anything shaped like a credential, whoever's it is (a caller's key in a path, a Stripe key in an
 * error message): an API key keeps its public prefix, which is how operators find the key.
 */
const CREDENTIAL_SHAPES = /\b(mb_[a-z0-9]{8}_)[A-Za-z0-9_-]{8,}|\b((?:sk|rk|pk)_(?:test|live)_|whsec_)[A-Za-z0-9]{8,}/g;

/** Configured secrets first (they may have any shape), then every credential-shaped string. */
export function maskSecrets(secrets: string[]): (line: string) => string {
  return (line) =>
    secrets
      .reduce((masked, secret) => (masked.includes(secret) ? masked.replaceAll(secret, '[redacted]') : masked), line)
      .replace(CREDENTIAL_SHAPES, (_match, apiKeyPrefix: string | undefined, stripePrefix: string | undefined) => `${apiKeyPrefix ?? stripePrefix}[redacted]`);
}

/**
 * pino's error serializer copies every enumerable property: Node's client errors (431, 400 before
 * routing) carry `rawPacket`, the raw bytes of the request head with its authorization header,
 * serialized as numbers that no pattern can mask.
 */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.rawPacket;
  return serialized;
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
    serializers: { req: serializeRequest, res: serializeResponse, err: serializeError },
    // last line of defence: a secret or anything shaped like a key is masked wherever it shows up (a path segment, an error message), at every level
    hooks: { streamWrite: maskSecrets(config.secrets()) },
  }, destination ?? defaultLogDestination(config));
}
