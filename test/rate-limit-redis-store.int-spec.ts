import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisThrottlerStorage } from '../src/auth/redis-throttler.storage';

/**
 * The Redis store's batching and leases, against the real Redis: whatever the interleaving, no
 * more hits are admitted than the limit, each admitted hit has its own place, and the counter in
 * Redis shows what was reserved.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

describe('RedisThrottlerStorage (Redis)', () => {
  const storages: RedisThrottlerStorage[] = [];
  const inspector = new Redis(REDIS_URL);
  const replica = () => {
    const storage = new RedisThrottlerStorage(new Redis(REDIS_URL));
    storages.push(storage);
    return storage;
  };
  const counter = async (key: string) => Number(await inspector.get(`meterbridge:ratelimit:${key}`));
  const admitted = (records: Array<{ isBlocked: boolean; totalHits: number }>) => records.filter((record) => !record.isBlocked).map((record) => record.totalHits).sort((a, b) => a - b);

  afterAll(async () => {
    await Promise.all(storages.map((storage) => storage.onApplicationShutdown()));
    await inspector.quit();
  });

  it('gives 30 simultaneous hits on a small limit the places 1…30 and admits exactly the first 10', async () => {
    const storage = replica();
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 30 }, () => storage.increment(key, MINUTE, 10, MINUTE)));
    expect(records.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(admitted(records)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire === 60)).toBe(true);
    expect(await counter(key)).toBe(30);
  });

  it('keeps a key blocked for the block duration once a request passed the limit', async () => {
    const storage = replica();
    const key = `test:${randomUUID()}`;
    for (let hit = 0; hit < 3; hit += 1) await storage.increment(key, MINUTE, 2, MINUTE);
    const after = await storage.increment(key, MINUTE, 2, MINUTE);
    expect(after).toMatchObject({ isBlocked: true });
    expect(after.timeToBlockExpire).toBeGreaterThan(0);
  });

  it('lets exactly the limit through across two replicas hit at once', async () => {
    const [first, second] = [replica(), replica()];
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 40 }, (_, hit) => (hit % 2 ? first : second).increment(key, MINUTE, 15, MINUTE)));
    expect(admitted(records)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
  });

  it('reserves 1% of a large limit with one hit and hands the reserved places out locally, in order', async () => {
    const storage = replica();
    const key = `test:${randomUUID()}`;
    expect((await storage.increment(key, MINUTE, 10_000, MINUTE)).totalHits).toBe(1);
    expect(await counter(key)).toBe(100);
    const places: number[] = [];
    for (let hit = 0; hit < 149; hit += 1) places.push((await storage.increment(key, MINUTE, 10_000, MINUTE)).totalHits);
    expect(places).toEqual(Array.from({ length: 149 }, (_, index) => index + 2));
    expect(await counter(key)).toBe(200);
  });

  it('never lets more than the limit through across replicas taking reservations at once', async () => {
    const [first, second] = [replica(), replica()];
    const key = `test:${randomUUID()}`;
    const records = await Promise.all(Array.from({ length: 800 }, (_, hit) => (hit % 2 ? first : second).increment(key, MINUTE, 300, MINUTE)));
    const places = admitted(records);
    expect(places.length).toBeLessThanOrEqual(300);
    // unused reservations are the only places lost: at most one (3 places) per replica
    expect(places.length).toBeGreaterThanOrEqual(294);
    expect(new Set(places).size).toBe(places.length);
    expect(Math.max(...places)).toBeLessThanOrEqual(300);
  });

  it('never blocks a caller for places another replica reserved but did not use', async () => {
    const [idle, busy] = [replica(), replica()];
    const key = `test:${randomUUID()}`;
    // the idle replica takes 10 places of 1005 (one request, nine reserved) and uses only the first
    await idle.increment(key, MINUTE, 1_005, MINUTE);
    const records = [];
    for (let hit = 0; hit < 994; hit += 1) records.push(await busy.increment(key, MINUTE, 1_005, MINUTE));
    // 995 requests in all, 10 under the limit: none refused, the last reservation stopped at the
    // limit instead of passing it, and nothing set the key's block
    expect(records.filter((record) => record.isBlocked)).toEqual([]);
    expect(await counter(key)).toBe(1_005);
    expect(await inspector.exists(`meterbridge:ratelimit:${key}:blocked`)).toBe(0);
  });
});
