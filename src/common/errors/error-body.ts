import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError } from './domain-error.js';

/** The JSON shape of every error this service answers (SPEC.md, REST contract). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown[];
  correlationId?: string;
}

/** body-parser's errors carry an HTTP status and a `type` such as entity.parse.failed. */
interface BodyParserError {
  status: number;
  type: string;
}

const BODY_PARSER_CODES: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' },
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit' },
  'encoding.unsupported': { code: 'UNSUPPORTED_ENCODING', message: 'The request body encoding is not supported' },
  'charset.unsupported': { code: 'UNSUPPORTED_CHARSET', message: 'The request body charset is not supported' },
};

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error && typeof error.status === 'number';
}

function codeForStatus(status: number): string {
  return HttpStatus[status] ?? 'ERROR';
}

/** Maps anything thrown while serving a request to an ErrorBody; undefined means "unexpected". */
export function toErrorBody(error: unknown): ErrorBody | undefined {
  if (error instanceof DomainError) {
    return { statusCode: error.status, error: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  // Nest wraps body-parser's errors in an HttpException whose cause is the original error.
  const parserError = error instanceof HttpException ? error.cause : error;
  if (isBodyParserError(parserError) && parserError.status < 500) {
    const known = BODY_PARSER_CODES[parserError.type] ?? { code: codeForStatus(parserError.status), message: 'The request body could not be read' };
    return { statusCode: parserError.status, error: known.code, message: known.message };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return { statusCode: status, error: codeForStatus(status), message };
  }
  return undefined;
}
