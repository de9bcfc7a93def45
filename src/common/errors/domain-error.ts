/** One problem in a request, pointing at the field it concerns. */
export interface ErrorDetail {
  field: string;
  problems: string[];
}

/**
 * An error a module raises on purpose: a stable machine-readable `code` (CUSTOMER_NOT_FOUND,
 * USAGE_IDEMPOTENCY_CONFLICT, …), the HTTP status it maps to and a message meant for the caller.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
