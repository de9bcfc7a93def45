import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe('MemoryThrottlerStorage', () => {
  let now = 0;
  const storage = () => new MemoryThrottlerStorage(() => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('counts hits in a fixed window and blocks past the limit until the block ends', async () => {
    const store = storage();
    for (let hit = 1; hit <= 3; hit += 1) expect(await store.increment('k', 60_000, 3, 60_000)).toMatchObject({ totalHits: hit, isBlocked: false, timeToExpire: 60 });
    expect(await store.increment('k', 60_000, 3, 60_000)).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    now += 30_000;
    expect(await store.increment('k', 60_000, 3, 60_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    now += 30_001;
    expect(await store.increment('k', 60_000, 3, 60_000)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps keys apart', async () => {
    const store = storage();
    await store.increment('a', 60_000, 1, 60_000);
    expect(await store.increment('b', 60_000, 1, 60_000)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('costs the same whatever the traffic: a million hits in one window stay one counter', async () => {
    const store = storage();
    for (let hit = 0; hit < 1_000_000; hit += 1) await store.increment('busy', 60_000, 2_000_000, 60_000);
    expect(await store.increment('busy', 60_000, 2_000_000, 60_000)).toMatchObject({ totalHits: 1_000_001 });
  });
});
