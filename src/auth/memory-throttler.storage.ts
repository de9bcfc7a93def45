import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RateLimitStoreHealth, StoreDegradation } from './rate-limit-store.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

/** How often expired windows are dropped, so idle keys do not accumulate. */
const SWEEP_EVERY_MS = 60_000;

/**
 * The single-replica rate-limit store: one fixed window per key, like the Redis store, so both
 * count the same way. O(1) per request, unlike @nestjs/throttler's default store, which keeps
 * every hit of the window and filters them on each request (its cost grows with the traffic).
 */
export class MemoryThrottlerStorage implements ThrottlerStorage, RateLimitStoreHealth {
  private readonly windows = new Map<string, Window>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Without REDIS_URL, counting in the process is what was configured: never degraded. */
  degradation(): StoreDegradation | undefined {
    return undefined;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: window && window.blockedUntil > now ? window.blockedUntil : 0 };
      this.windows.set(key, window);
    }
    const toSeconds = (until: number) => Math.max(0, Math.ceil((until - now) / 1000));
    if (window.blockedUntil > now) return { totalHits: window.hits, timeToExpire: toSeconds(window.expiresAt), isBlocked: true, timeToBlockExpire: toSeconds(window.blockedUntil) };
    window.hits += 1;
    if (window.hits > limit && blockDuration > 0) window.blockedUntil = now + blockDuration;
    const isBlocked = window.blockedUntil > now;
    return { totalHits: window.hits, timeToExpire: toSeconds(window.expiresAt), isBlocked, timeToBlockExpire: isBlocked ? toSeconds(window.blockedUntil) : 0 };
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, window] of this.windows) if (window.expiresAt <= now && window.blockedUntil <= now) this.windows.delete(key);
  }
}
