import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import type { RateLimitStoreHealth, StoreDegradation } from './rate-limit-store.js';

/**
 * One fixed window per key, shared by every replica: the hit count and, once the limit is
 * passed, a block marker live in Redis and change in one atomic script, so two replicas never
 * both let the last allowed request through. ARGV[4] requests are counted at once, plus up to
 * ARGV[5] places reserved for later ones, but only places left under the limit: a reservation
 * never passes the limit, so only a request does and only a request sets the block. The answer
 * says whether the key was already blocked and how many places were reserved.
 */
const INCREMENT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl, 0}
end
local requests = tonumber(ARGV[4])
local spare = tonumber(ARGV[2]) - tonumber(redis.call('GET', KEYS[1]) or '0') - requests
local reserved = math.max(0, math.min(tonumber(ARGV[5]), spare))
local hits = redis.call('INCRBY', KEYS[1], requests + reserved)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) and tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
return {hits, ttl, 0, 0, reserved}
`;

const KEY_PREFIX = 'meterbridge:ratelimit:';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** The script as a command: ioredis sends its SHA (EVALSHA) instead of the script text on every request. */
type RateLimitRedis = Redis & {
  rateLimitIncrement(hitsKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number, requests: number, reserve: number): Promise<number[]>;
};

/**
 * Places of a key's current window this replica reserved in Redis and has not handed out yet:
 * `next` … `end - 1`, none past the limit, usable until the window expires.
 */
interface Lease {
  next: number;
  end: number;
  expiresAt: number;
}

/** Hits of one key waiting for that key's script call in flight to return. */
interface QueuedHits {
  ttl: number;
  limit: number;
  blockDuration: number;
  answers: Array<(record: ThrottlerStorageRecord) => void>;
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** A call takes at most 1% of a limit (and 100 places) at once, so unused reservations cost other replicas little. */
const leaseSize = (limit: number) => Math.max(1, Math.min(100, Math.floor(limit / 100)));

/** How often leases of windows that ended are dropped, so keys seen once do not accumulate. */
const SWEEP_EVERY_MS = 60_000;

export interface RedisStoreOptions {
  /** A Redis call slower than this fails (and the store falls back): a paused Redis must not hold every request. */
  timeoutMs: number;
  /** Replicas expected to count in Redis together: each one's fallback admits its share of a limit. */
  expectedReplicas: number;
  /** After a failure, requests are counted in the fallback this long before Redis is tried again. */
  retryAfterMs: number;
}

const DEFAULT_OPTIONS: RedisStoreOptions = { timeoutMs: 100, expectedReplicas: 1, retryAfterMs: 5_000 };

/**
 * Two ways a hit avoids its own Redis round trip, neither ever letting more than the limit through:
 * - **leases**: a call takes up to leaseSize(limit) places of the window at once (never past the
 *   limit), and the next hits take the spare ones locally. A reserved place is counted whether used
 *   or not, so replicas together can only admit fewer than the limit (by the unused reservations),
 *   never more, and a reservation alone never blocks a caller; small limits (below 200) take one
 *   place at a time, which is exact.
 * - **batching**: while a key's call is in flight, further hits on that key queue and go together
 *   in the next call; each still gets its own place in the count, in arrival order.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown, RateLimitStoreHealth {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: RateLimitRedis;
  private readonly options: RedisStoreOptions;
  private readonly queued = new Map<string, QueuedHits>();
  private readonly leases = new Map<string, Lease>();
  private readonly inFlight = new Set<string>();
  /**
   * Counts while Redis cannot: the same fixed windows, in this process, each limit divided by the
   * expected replica count, so the replicas together still admit about the limit rather than
   * every request (failing open let a client past every limit while Redis was down).
   */
  private readonly fallback = new MemoryThrottlerStorage();
  private degraded?: StoreDegradation;
  private retryRedisAt = 0;
  private nextSweep = 0;

  constructor(connection: string | Redis, options: Partial<RedisStoreOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    // a slow or absent Redis must not hold requests: commands fail fast instead of queueing or retrying
    const redis =
      typeof connection === 'string'
        ? new Redis(connection, {
            maxRetriesPerRequest: 0,
            commandTimeout: this.options.timeoutMs,
            connectTimeout: Math.max(this.options.timeoutMs, 1_000),
            enableOfflineQueue: false,
            disconnectTimeout: 200,
          })
        : connection;
    redis.defineCommand('rateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT });
    redis.on('error', (error: Error) => this.reportFailure(error));
    this.redis = redis as RateLimitRedis;
  }

  degradation(): StoreDegradation | undefined {
    return this.degraded;
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (this.degraded && now < this.retryRedisAt) return this.countLocally(key, ttl, limit, blockDuration);
    const lease = this.leases.get(key);
    if (lease && lease.next < lease.end && now < lease.expiresAt) {
      return Promise.resolve({ totalHits: lease.next++, timeToExpire: seconds(lease.expiresAt - now), isBlocked: false, timeToBlockExpire: 0 });
    }
    return new Promise((answer) => {
      const queue = this.queued.get(key) ?? { ttl, limit, blockDuration, answers: [] };
      queue.answers.push(answer);
      this.queued.set(key, queue);
      if (!this.inFlight.has(key)) void this.send(key);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() lets pending commands finish, but a hung Redis never answers it: disconnect() after the
    // timeout (and at once when not connected, which also stops reconnecting)
    if (this.redis.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(this.options.timeoutMs, 200))));
      await Promise.race([this.redis.quit().catch(() => undefined), timedOut]);
      clearTimeout(timer);
    }
    this.redis.disconnect();
  }

  /** Sends the key's queued hits in one call, then whatever queued meanwhile. */
  private async send(key: string): Promise<void> {
    const queue = this.queued.get(key);
    if (!queue) return;
    this.queued.delete(key);
    if (this.degraded && Date.now() < this.retryRedisAt) {
      // hits that queued behind a call that just failed do not try Redis again
      for (const answer of queue.answers) void this.countLocally(key, queue.ttl, queue.limit, queue.blockDuration).then(answer);
      return;
    }
    this.inFlight.add(key);
    const { ttl, limit, blockDuration, answers } = queue;
    // the window's remaining time is counted from before the call, so a lease never outlives it
    const sentAt = Date.now();
    try {
      const [hits, ttlMs, alreadyBlocked, blockMs, reserved] = await this.redis.rateLimitIncrement(
        KEY_PREFIX + key,
        `${KEY_PREFIX}${key}:blocked`,
        ttl,
        limit,
        blockDuration,
        answers.length,
        leaseSize(limit) - 1,
      );
      this.recovered();
      // the call took the places just below the new count: the queued hits first, in arrival order, then the lease
      const first = hits - answers.length - reserved + 1;
      this.keepLease(key, { next: first + answers.length, end: hits + 1, expiresAt: sentAt + ttlMs });
      answers.forEach((answer, index) => {
        const place = alreadyBlocked === 1 ? hits : first + index;
        const isBlocked = alreadyBlocked === 1 || (place > limit && blockDuration > 0);
        const timeToBlockExpire = alreadyBlocked === 1 ? seconds(blockMs) : isBlocked ? seconds(blockDuration) : 0;
        answer({ totalHits: place, timeToExpire: seconds(ttlMs), isBlocked, timeToBlockExpire });
      });
    } catch (error) {
      // counted in this process instead: refusing ingest because the limiter's store is down would
      // lose more than an approximate limit does, and admitting everything would be no limit at all
      this.reportFailure(error);
      for (const answer of answers) void this.countLocally(key, ttl, limit, blockDuration).then(answer);
    } finally {
      this.inFlight.delete(key);
      void this.send(key);
    }
  }

  private keepLease(key: string, lease: Lease): void {
    if (lease.next < lease.end) this.leases.set(key, lease);
    else this.leases.delete(key);
    const now = Date.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_EVERY_MS;
    for (const [leased, { expiresAt }] of this.leases) if (expiresAt <= now) this.leases.delete(leased);
  }

  private countLocally(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    return this.fallback.increment(key, ttl, Math.max(1, Math.floor(limit / this.options.expectedReplicas)), blockDuration);
  }

  /** Logs when Redis starts failing, not on every request while it stays down; Redis is tried again after retryAfterMs. */
  private reportFailure(error: unknown): void {
    this.retryRedisAt = Date.now() + this.options.retryAfterMs;
    if (this.degraded) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.degraded = { since: new Date(), reason };
    this.logger.error(
      { err: error, expectedReplicas: this.options.expectedReplicas },
      'rate-limit store (Redis) unavailable: counting in this process, each limit divided by the expected replica count, until it answers',
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.logger.log({ degradedSince: this.degraded.since.toISOString() }, 'rate-limit store (Redis) answers again: counters are shared again');
    this.degraded = undefined;
  }
}
