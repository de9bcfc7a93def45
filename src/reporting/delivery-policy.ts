import { classifyStripeError } from '../stripe/stripe-errors.js';
import { sleep } from './rate-limiter.js';

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
 * What a failure means for the reports, from src/stripe's one classification: a refusal because
 * Stripe already holds the identifier means an earlier attempt delivered the event; on the stream a
 * refused token means the session expired.
 */
export function judgeStripeError(error: unknown, onStream: boolean): Verdict {
  const { kind, reason } = classifyStripeError(error);
  if (kind === 'already_delivered') return { kind: 'delivered' };
  if (onStream && (kind === 'session_expired' || kind === 'credentials')) return { kind: 'session_expired', reason };
  if (kind === 'rejected') return { kind: 'rejected', reason };
  // an authentication problem is the operator's to fix, never a reason to give up on the usage
  return { kind: 'transient', reason };
}

/** Full-jitter exponential backoff: a random delay up to base × 2^(try − 1), capped. */
export function backoffDelay(baseMs: number, attempt: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
}

export interface RetryOptions {
  maxAttempts: number;
  baseMs: number;
  /** True once the application shuts down or the run lost its lock: no more tries, the reports stay pending. */
  stopping: () => boolean;
}

/**
 * Runs `send` until its verdict is final or the tries run out; the last transient verdict is
 * returned then (the caller leaves those reports pending for the next run).
 */
export async function withRetries(send: () => Promise<Verdict>, options: RetryOptions): Promise<Verdict> {
  let verdict: Verdict = { kind: 'transient', reason: 'not attempted: the run is stopping (shutdown, or its lock was lost)' };
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    if (options.stopping()) return verdict;
    verdict = await send();
    if (verdict.kind === 'delivered' || verdict.kind === 'rejected') return verdict;
    if (attempt < options.maxAttempts) await sleep(backoffDelay(options.baseMs, attempt));
  }
  return verdict;
}
