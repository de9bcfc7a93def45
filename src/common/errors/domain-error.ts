import type { ErrorCode } from './error-codes.js';

/** One problem in a request, pointing at the field it concerns. */
export interface ErrorDetail {
  field: string;
  problems: string[];
}

/**
 * An error a module raises on purpose: a code of its module's table (`<module>.errors.ts`, which
 * gives the HTTP status) and a message meant for the caller.
 */
export class DomainError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(
    errorCode: ErrorCode,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = errorCode.status;
    this.code = errorCode.code;
  }
}
