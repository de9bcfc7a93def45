import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisThrottlerStorage, type RateLimitRedis } from '../src/auth/redis-throttler.storage';

/** The Redis store's batching: hits that queue behind a key's call in flight share the next call, and the count stays exact. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

describe('RedisThrottlerStorage (Redis)', () => {
  const connections: Redis[] = [];
  const storages: RedisThrottlerStorage[] = [];

  function replica(): { storage: RedisThrottlerStorage; scriptCalls: jest.SpyInstance } {
    const redis = new Redis(REDIS_URL);
    const storage = new RedisThrottlerStorage(redis);
    connections.push(redis);
    storages.push(storage);
    return { storage, scriptCalls: jest.spyOn(redis as RateLimitRedis, 'rateLimitIncrement') };
  }

  afterAll(async () => {
    await Promise.all(storages.map((storage) => storage.onApplicationShutdown()));
  });

  it('answers 30 simultaneous hits with places 1…30, blocks exactly those past the limit, in fewer calls than hits', async () => {
    const { storage, scriptCalls } = replica();
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 30 }, () => storage.increment(key, MINUTE, 10, MINUTE)));
    expect(records.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(records.filter((record) => !record.isBlocked).map((record) => record.totalHits).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire === 60)).toBe(true);
    expect(scriptCalls.mock.calls.length).toBeLessThan(30);
    expect(scriptCalls.mock.calls.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps a key blocked for the block duration once it passed the limit', async () => {
    const { storage } = replica();
    const key = `test:${randomUUID()}`;
    for (let hit = 0; hit < 3; hit += 1) await storage.increment(key, MINUTE, 2, MINUTE);
    const after = await storage.increment(key, MINUTE, 2, MINUTE);
    expect(after).toMatchObject({ isBlocked: true });
    expect(after.timeToBlockExpire).toBeGreaterThan(0);
  });

  it('lets exactly the limit through across two replicas hit at once', async () => {
    const [first, second] = [replica(), replica()];
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 40 }, (_, hit) => (hit % 2 ? first : second).storage.increment(key, MINUTE, 15, MINUTE)));
    expect(records.filter((record) => !record.isBlocked)).toHaveLength(15);
  });

  it('sends an idle key’s hit at once, without waiting for company', async () => {
    const { storage, scriptCalls } = replica();
    const key = `test:${randomUUID()}`;
    await storage.increment(key, MINUTE, 10, MINUTE);
    await storage.increment(key, MINUTE, 10, MINUTE);
    expect(scriptCalls.mock.calls.map((call) => call[5])).toEqual([1, 1]);
  });
});

describe('RedisThrottlerStorage leases (Redis)', () => {
  const storages: RedisThrottlerStorage[] = [];
  function replica(): { storage: RedisThrottlerStorage; scriptCalls: jest.SpyInstance } {
    const redis = new Redis(REDIS_URL);
    const storage = new RedisThrottlerStorage(redis);
    storages.push(storage);
    return { storage, scriptCalls: jest.spyOn(redis as RateLimitRedis, 'rateLimitIncrement') };
  }
  afterAll(() => Promise.all(storages.map((storage) => storage.onApplicationShutdown())));

  it('reserves 1% of a large limit per call and hands the places out locally, in order', async () => {
    const { storage, scriptCalls } = replica();
    const key = `test:${randomUUID()}`;
    const places: number[] = [];
    for (let hit = 0; hit < 500; hit += 1) places.push((await storage.increment(key, MINUTE, 10_000, MINUTE)).totalHits);
    expect(places).toEqual(Array.from({ length: 500 }, (_, index) => index + 1));
    expect(scriptCalls.mock.calls.map((call) => call[5])).toEqual([100, 100, 100, 100, 100]);
  });

  it('never lets more than the limit through across replicas taking leases at once', async () => {
    const [first, second] = [replica(), replica()];
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 800 }, (_, hit) => (hit % 2 ? first : second).storage.increment(key, MINUTE, 300, MINUTE)));
    const admitted = records.filter((record) => !record.isBlocked);
    expect(admitted.length).toBeLessThanOrEqual(300);
    // unused reservations are the only places lost: at most one lease (3 places) per replica
    expect(admitted.length).toBeGreaterThanOrEqual(294);
    expect(new Set(admitted.map((record) => record.totalHits)).size).toBe(admitted.length);
    expect(Math.max(...admitted.map((record) => record.totalHits))).toBeLessThanOrEqual(300);
  });
});
