import { HttpException, HttpStatus } from '@nestjs/common';
import { CommonErrors } from './common.errors.js';
import { DomainError } from './domain-error.js';
import type { ErrorCode } from './error-codes.js';

/** The JSON shape of every error this service answers (docs/architecture.md, Error shape). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown[];
  correlationId?: string;
}

/** The body of an error answered outside a DomainError (Fastify's own refusals, time limits, the unexpected). */
export function errorBody(errorCode: ErrorCode, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { statusCode: errorCode.status, error: errorCode.code, message, ...extra };
}

/** Fastify's own request errors (body too large, unsupported type) carry a code and a status. */
interface FastifyError {
  code: string;
  statusCode: number;
  message: string;
}

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: CommonErrors.PAYLOAD_TOO_LARGE, message: 'The request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: CommonErrors.UNSUPPORTED_MEDIA_TYPE, message: 'The request body must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: CommonErrors.INVALID_CONTENT_LENGTH, message: 'The request body does not match its Content-Length' },
};

function isFastifyError(error: unknown): error is FastifyError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && error.code.startsWith('FST_') && 'statusCode' in error && typeof error.statusCode === 'number';
}

/** The client went away (or stalled past the timeout) while sending its body: nobody reads the answer, and nothing went wrong here. */
function isAbortedBody(error: unknown): boolean {
  return error instanceof Error && (error as { statusCode?: unknown }).statusCode === 400 && ((error as { code?: unknown }).code === 'ECONNRESET' || error.message === 'aborted');
}

/**
 * A statement cancelled by statement_timeout (SQLSTATE 57014), or a read that waited that long for
 * a connection of the request-reads pool: the database is busy with this kind of read, not broken.
 */
function isReadTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as { code?: unknown }).code === '57014' || error.message === 'timeout exceeded when trying to connect';
}

function codeForStatus(status: number): string {
  return HttpStatus[status] ?? 'ERROR';
}

/** Maps anything thrown while serving a request to an ErrorBody; undefined means "unexpected". */
export function toErrorBody(error: unknown): ErrorBody | undefined {
  if (error instanceof DomainError) {
    return { statusCode: error.status, error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  // Nest wraps Fastify's client errors in an HttpException whose cause is the original error
  const fastifyError = error instanceof HttpException ? error.cause : error;
  if (isAbortedBody(fastifyError)) return errorBody(CommonErrors.REQUEST_ABORTED, 'The request body was not received completely');
  if (isFastifyError(fastifyError)) {
    const known = FASTIFY_CODES[fastifyError.code];
    if (known) return errorBody(known.code, known.message);
    if (fastifyError.statusCode < 500) return { statusCode: fastifyError.statusCode, error: codeForStatus(fastifyError.statusCode), message: fastifyError.message };
  }
  if (isReadTimeout(error)) {
    return errorBody(CommonErrors.QUERY_TIMEOUT, 'The read took longer than the request statement time limit; retry later or ask for a smaller window');
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return { statusCode: status, error: codeForStatus(status), message };
  }
  return undefined;
}
