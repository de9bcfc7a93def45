import { eventually } from './support/eventually';
import { freePort } from './support/free-port';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { startTestApp, type TestApp } from './support/test-app';

const REDIS = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

async function statuses(testApp: TestApp, times: number): Promise<number[]> {
  const seen: number[] = [];
  for (let call = 0; call < times; call += 1) seen.push((await testApp.anonymous.get('/v1/meters').set('authorization', `Bearer ${testApp.adminKey}`)).status);
  return seen;
}

const degradedMetric = async (testApp: TestApp) => /^meterbridge_rate_limit_store_degraded (\d)$/m.exec((await testApp.anonymous.get('/metrics').expect(200)).text)?.[1];

describe('rate limits when Redis is unreachable (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_DEFAULT_PER_MINUTE: '4', RATE_LIMIT_EXPECTED_REPLICAS: '2' });
  });
  afterAll(() => testApp.close());

  it("counts in the process with each replica's share of the limit, where it let every request through", async () => {
    expect(await statuses(testApp, 3)).toEqual([200, 200, 429]);
  });

  it('shows the degraded store in readiness details without failing the probe, and in a metric', async () => {
    const ready = await testApp.anonymous.get('/health/ready').expect(200);
    expect(ready.body.details.rateLimitStore).toEqual({ status: 'up', degraded: true, counting: 'in-process', since: expect.any(String), reason: expect.any(String) });
    expect(await degradedMetric(testApp)).toBe('1');
  });
});

describe('rate limits when Redis hangs, then answers again (e2e)', () => {
  let proxy: TcpProxy;
  let testApp: TestApp;

  beforeAll(async () => {
    proxy = await startTcpProxy(REDIS.hostname, Number(REDIS.port || 6379));
    testApp = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_DEFAULT_PER_MINUTE: '100', RATE_LIMIT_REDIS_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    proxy.resume();
    await testApp.close();
    await proxy.close();
  });

  // below 200 a minute every hit asks Redis (no reservations), so each request meets the hung Redis
  it('falls back while Redis does not answer, and shares counters again once it does', async () => {
    expect(await statuses(testApp, 2)).toEqual([200, 200]);
    const sharedAgain = () =>
      eventually(async () => {
        await statuses(testApp, 1);
        expect((await testApp.anonymous.get('/health/ready').expect(200)).body.details.rateLimitStore).toEqual({ status: 'up' });
        expect(await degradedMetric(testApp)).toBe('0');
      }, 20_000, 250);
    // a loaded machine may be slower than the timeout once: then Redis is tried again a few seconds later
    await sharedAgain();

    proxy.pause();
    expect(await statuses(testApp, 5)).toEqual([200, 200, 200, 200, 200]);
    expect((await testApp.anonymous.get('/health/ready').expect(200)).body.details.rateLimitStore).toMatchObject({ status: 'up', degraded: true });
    expect(await degradedMetric(testApp)).toBe('1');

    proxy.resume();
    // Redis is tried again a few seconds after the last failure; the next request that does finds it back
    await sharedAgain();
  });
});
