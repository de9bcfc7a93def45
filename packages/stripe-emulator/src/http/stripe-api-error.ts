/** Where in the request pipeline an error arose; Stripe saves no idempotent result for validation failures. */
export type ErrorStage = 'validation' | 'execution';

export interface StripeErrorDetails {
  code?: string;
  param?: string;
  /** `Stripe-Should-Retry` header value; the SDK honours it before its own retry rules. */
  shouldRetry?: boolean;
  stage?: ErrorStage;
}

/** The JSON every v1 error answers with. */
export interface StripeErrorBody {
  error: { type: string; message: string; code?: string; param?: string; doc_url?: string };
}

/**
 * The JSON a v2 error answers with (Stripe's OpenAPI `v2.error`): `code` and `message` always,
 * `type` and `doc_url` when known, never `param`. Field validation failures carry the code
 * `invalid_fields` and no type (the SDK's generateV2Error reads them so).
 */
export interface StripeV2ErrorBody {
  error: { code: string; message: string; type?: string; doc_url?: string };
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

  v2Body(): StripeV2ErrorBody {
    const { code, param } = this.details;
    // a field v1 would name in `param` is an `invalid_fields` error in v2, whatever v1's code
    if (param !== undefined || code === 'invalid_json') return { error: { code: 'invalid_fields', message: this.message } };
    if (code === undefined) return { error: { code: this.type, message: this.message, type: this.type } };
    return { error: { code, doc_url: `https://docs.stripe.com/error-codes/${code.replaceAll('_', '-')}`, message: this.message, type: this.type } };
  }
}

/** 400 invalid_request_error raised while executing a request (its result is saved for idempotent replay). */
export function invalidRequest(message: string, details: Omit<StripeErrorDetails, 'stage'> = {}): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { ...details, stage: 'execution' });
}

/**
 * 400 raised while reading parameters, before any endpoint logic ran. Without a `code`: Stripe's
 * error code list has no generic "parameter invalid" code, and it answers such refusals without one.
 */
export function invalidParameter(message: string, param: string, code?: string): StripeApiError {
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
