import { isMeterEventAlreadyDelivered } from '../stripe/meter-event-duplicate.js';
import { sleep } from './rate-limiter.js';

/** What a failed SDK call carries (StripeError and its subclasses), read without the SDK's classes. */
interface StripeFailure {
  rawType?: string;
  statusCode?: number;
  code?: string;
  message: string;
}

function asStripeFailure(error: unknown): StripeFailure {
  if (error && typeof error === 'object' && 'message' in error) return error as StripeFailure;
  return { message: String(error) };
}

/** What one Stripe answer means for the reports it carried. */
export type Verdict =
  | { kind: 'delivered' }
  /** Stripe refused the content: retrying the same request can never succeed. */
  | { kind: 'rejected'; reason: string }
  /** 429, 5xx, 409, a network failure or our credentials: worth another try later. */
  | { kind: 'transient'; reason: string }
  /** The v2 session token expired (or was refused): open a new session and resend. */
  | { kind: 'session_expired'; reason: string };

const MAX_BACKOFF_MS = 30_000;

/**
 * A refusal because Stripe already holds the identifier means an earlier attempt delivered the
 * event; src/stripe decides what such a refusal looks like.
 */
export function judgeStripeError(error: unknown, onStream: boolean): Verdict {
  const failure = asStripeFailure(error);
  const status = failure.statusCode;
  const reason = `${status ?? 'network'}${failure.code ? ` ${failure.code}` : ''}: ${failure.message}`;
  if (isMeterEventAlreadyDelivered(error)) return { kind: 'delivered' };
  if (onStream && (status === 401 || failure.rawType === 'temporary_session_expired')) return { kind: 'session_expired', reason };
  // an authentication problem is the operator's to fix, never a reason to give up on the usage
  if (status === undefined || status === 0 || status === 401 || status === 403 || status === 409 || status === 429 || status >= 500) {
    return { kind: 'transient', reason };
  }
  return { kind: 'rejected', reason };
}

/** Full-jitter exponential backoff: a random delay up to base × 2^(try − 1), capped. */
export function backoffDelay(baseMs: number, attempt: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
}

export interface RetryOptions {
  maxAttempts: number;
  baseMs: number;
  /** Set when the application shuts down: no more retries, the reports stay pending. */
  stopping: () => boolean;
}

/**
 * Runs `send` until its verdict is final or the tries run out; the last transient verdict is
 * returned then (the caller leaves those reports pending for the next run).
 */
export async function withRetries(send: () => Promise<Verdict>, options: RetryOptions): Promise<Verdict> {
  let verdict: Verdict = { kind: 'transient', reason: 'not attempted: shutting down' };
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    if (options.stopping()) return verdict;
    verdict = await send();
    if (verdict.kind === 'delivered' || verdict.kind === 'rejected') return verdict;
    if (attempt < options.maxAttempts) await sleep(backoffDelay(options.baseMs, attempt));
  }
  return verdict;
}
