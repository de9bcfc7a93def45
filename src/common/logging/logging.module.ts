import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The only request headers a log line carries: any other header may hold a credential (a custom
 * token header, a proxy's forwarded authorization), so it is left out rather than redacted by name.
 */
const LOGGED_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'x-request-id', 'x-forwarded-for'];

interface SerializedRequest {
  id: unknown;
  method: string;
  url: string;
  headers: Record<string, unknown>;
  remoteAddress?: string;
}

/** The path without its query string (a caller may put a token there), and the whitelisted headers. */
function serializeRequest(request: SerializedRequest) {
  const headers = Object.fromEntries(LOGGED_HEADERS.filter((name) => request.headers[name] !== undefined).map((name) => [name, request.headers[name]]));
  return { id: request.id, method: request.method, url: request.url.split('?')[0], headers, remoteAddress: request.remoteAddress };
}

/** Headers and fields that may carry credentials; their values never reach a log line. */
export const REDACTED_PATHS = [
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
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

/** The access line with the caller's key by its public prefix, once the guard has verified it. */
function withApiKeyPrefix(request: IncomingMessage & { apiKey?: { prefix: string } }, line: object): object {
  return request.apiKey ? { ...line, apiKey: request.apiKey.prefix } : line;
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          // last line of defence: a configured secret is masked wherever it shows up (a path segment, an error message)
          hooks: { streamWrite: maskSecrets(config.secrets()) },
          level: config.logLevel,
          genReqId: requestId,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          serializers: { req: serializeRequest },
          // the caller's key by its public prefix, added only to a line actually written: customProps
          // would build two more child loggers per request, even when the level writes nothing
          customSuccessObject: (request, _response, line) => withApiKeyPrefix(request, line),
          customErrorObject: (request, _response, _error, line) => withApiKeyPrefix(request, line),
          customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
          autoLogging: { ignore: (request) => request.url?.startsWith('/health') ?? false },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
