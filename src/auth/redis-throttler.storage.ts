import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/**
 * One fixed window per key, shared by every replica: the hit count and, once the limit is
 * passed, a block marker live in Redis and change in one atomic script, so two replicas never
 * both let the last allowed request through.
 */
const INCREMENT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl}
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) and tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

const KEY_PREFIX = 'meterbridge:ratelimit:';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** The script as a command: ioredis sends its SHA (EVALSHA) instead of the script text on every request. */
type RateLimitRedis = Redis & { rateLimitIncrement(hitsKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number): Promise<number[]> };

export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: RateLimitRedis;
  private failing = false;

  constructor(url: string) {
    // a slow or absent Redis must not hold requests: commands fail fast instead of queueing
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 500, enableOfflineQueue: false, disconnectTimeout: 200 }) as RateLimitRedis;
    this.redis.defineCommand('rateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT });
    this.redis.on('error', (error: Error) => this.reportFailure(error));
  }

  /**
   * When Redis cannot answer, the request is let through (fail open): refusing ingest because
   * the limiter's store is down would lose more than a missed limit does.
   */
  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, ttlMs, blocked, blockMs] = await this.redis.rateLimitIncrement(KEY_PREFIX + key, `${KEY_PREFIX}${key}:blocked`, ttl, limit, blockDuration);
      this.failing = false;
      return { totalHits: hits, timeToExpire: Math.ceil(ttlMs / 1000), isBlocked: blocked === 1, timeToBlockExpire: Math.ceil(blockMs / 1000) };
    } catch (error) {
      this.reportFailure(error);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() lets pending commands finish; when not connected, disconnect() also stops reconnecting
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** Logs when Redis starts failing, not on every request while it stays down. */
  private reportFailure(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err: error }, 'rate-limit store (Redis) unavailable: requests are not rate-limited until it answers');
  }
}
