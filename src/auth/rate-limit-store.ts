/** Why and since when the rate limiter is not counting where it is configured to (Redis). */
export interface StoreDegradation {
  since: Date;
  reason: string;
}

/** What readiness and the metrics read from the rate-limit store. */
export interface RateLimitStoreHealth {
  /** undefined while the store counts as configured. */
  degradation(): StoreDegradation | undefined;
}
