/** How long failed lookups are counted before the count starts again. */
const WINDOW_MS = 60_000;
/** Bounds the memory an attacker can fill with addresses or made-up keys. */
const MAX_TRACKED = 10_000;

/**
 * Failed key lookups per client address, and keys recently found unknown, in this process. Both
 * exist to keep the database out of reach of a flood of made-up keys: every such key cost an
 * index lookup, and 18,000 in 10 s made real ingest five times slower. Counted in memory, not in
 * Redis: what is protected is this replica's own pool, and a check before every lookup must not
 * cost a round trip itself.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  private readonly unknownKeys = new Map<string, number>();

  constructor(
    private readonly maxFailuresPerMinute: number,
    private readonly unknownKeyTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `address` may have a key looked up again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const window = this.failures.get(address);
    const now = this.now();
    if (!window || window.resetAt <= now || window.count < this.maxFailuresPerMinute) return 0;
    return window.resetAt - now;
  }

  /** A lookup of a key (by its digest) that found no active key. */
  recordFailure(address: string, digest: string): void {
    const now = this.now();
    const window = this.failures.get(address);
    if (window && window.resetAt > now) window.count += 1;
    else remember(this.failures, address, { count: 1, resetAt: now + WINDOW_MS });
    if (this.unknownKeyTtlMs > 0) remember(this.unknownKeys, digest, now + this.unknownKeyTtlMs);
  }

  /** The key was looked up and found unknown or revoked less than the negative-cache time ago. */
  isKnownUnknown(digest: string): boolean {
    const expiresAt = this.unknownKeys.get(digest);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.unknownKeys.delete(digest);
    return false;
  }

  /** A key created or found here is no longer unknown (a revocation is a new failure when next seen). */
  forget(digest: string): void {
    this.unknownKeys.delete(digest);
  }
}

/** Insertion-ordered maps: when full, the oldest entry goes (the expired ones first, in practice). */
function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  if (map.size >= MAX_TRACKED) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
