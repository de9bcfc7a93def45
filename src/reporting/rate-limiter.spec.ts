import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('spaces calls evenly: at 4 per second the fifth call waits a second', async () => {
    const limiter = new RateLimiter(4);
    const granted: number[] = [];
    const start = performance.now();
    const calls = Array.from({ length: 5 }, () => limiter.acquire().then(() => granted.push(Math.round(performance.now() - start))));
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(calls);
    expect(granted).toEqual([0, 250, 500, 750, 1000]);
  });
});
