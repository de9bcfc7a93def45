/** Where in the request pipeline an error arose; Stripe saves no idempotent result for validation failures. */
export type ErrorStage = 'validation' | 'execution';

export interface StripeErrorDetails {
  code?: string;
  param?: string;
  /** `Stripe-Should-Retry` header value; the SDK honours it before its own retry rules. */
  shouldRetry?: boolean;
  stage?: ErrorStage;
}

/** The JSON every Stripe error answers with (v1 and v2 share it). */
export interface StripeErrorBody {
  error: { type: string; message: string; code?: string; param?: string; doc_url?: string };
}

/** An error answered in Stripe's wire shape, thrown by route handlers and the pipeline alike. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly details: StripeErrorDetails = {},
  ) {
    super(message);
    this.name = 'StripeApiError';
  }

  get stage(): ErrorStage {
    return this.details.stage ?? 'execution';
  }

  body(): StripeErrorBody {
    const { code, param } = this.details;
    return {
      error: {
        ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` } : {}),
        message: this.message,
        ...(param ? { param } : {}),
        type: this.type,
      },
    };
  }
}

/** 400 invalid_request_error raised while executing a request (its result is saved for idempotent replay). */
export function invalidRequest(message: string, details: Omit<StripeErrorDetails, 'stage'> = {}): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { ...details, stage: 'execution' });
}

/** 400 raised while reading parameters, before any endpoint logic ran. */
export function invalidParameter(message: string, param: string, code = 'parameter_invalid'): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { code, param, stage: 'validation' });
}

export function unknownParameter(param: string): StripeApiError {
  return invalidParameter(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function missingParameter(param: string): StripeApiError {
  return invalidParameter(`Missing required param: ${param}.`, param, 'parameter_missing');
}

/** Stripe's 404 for an id that names nothing, e.g. "No such customer: 'cus_123'". */
export function resourceMissing(resource: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, 'invalid_request_error', `No such ${resource}: '${id}'`, { code: 'resource_missing', param });
}
