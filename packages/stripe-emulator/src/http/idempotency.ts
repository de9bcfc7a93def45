import { StripeApiError } from './stripe-api-error.js';

export interface StoredResponse {
  status: number;
  /** The exact bytes first sent, so that a replay is identical byte for byte. */
  body: string;
  headers: Record<string, string>;
}

interface Entry {
  fingerprint: string;
  response?: StoredResponse;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, canonical(inner)]));
  }
  return value;
}

/** What identifies "the same request": endpoint and parameters, whatever order the parameters came in. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return `${method} ${path} ${JSON.stringify(canonical(body))}`;
}

/**
 * Stripe's `Idempotency-Key` semantics: the first request that reaches an endpoint saves its
 * response (errors included); a retry with the same parameters gets that response again, with
 * different parameters an `idempotency_error`; a retry while the first is still running a 409.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  /** Undefined: run the request and then `complete` or `abandon` it. */
  begin(key: string, fingerprint: string): StoredResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { fingerprint });
      return undefined;
    }
    if (entry.fingerprint !== fingerprint) {
      throw new StripeApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        { stage: 'validation' },
      );
    }
    if (!entry.response) {
      throw new StripeApiError(409, 'idempotency_error', `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`, {
        stage: 'validation',
      });
    }
    return entry.response;
  }

  complete(key: string, response: StoredResponse): void {
    const entry = this.entries.get(key);
    if (entry) entry.response = { status: response.status, body: response.body, headers: response.headers };
  }

  /** The request failed validation before any endpoint ran: Stripe keeps no result for it. */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
