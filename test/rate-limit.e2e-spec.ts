import { Controller, Get, Post } from '@nestjs/common';
import type TestAgent from 'supertest/lib/agent';
import { RequireScopes } from '../src/auth/scopes.decorator';
import { liveRoutes } from './support/route-table';
import { startProbeApp, type ProbeApp } from './support/probe-app';
import { startTestApp, testConfig, type TestApp } from './support/test-app';

/**
 * Redis runs at 127.0.0.1:6379 on developer machines and in CI (.ci/run starts it); these tests
 * need it and say so when it is missing rather than skipping.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bearer = (key: string) => `Bearer ${key}`;
const randomClientIp = () => `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 256)).join('.')}`;

@Controller('probe')
class BucketsController {
  @Post('ingest')
  @RequireScopes('usage:write')
  ingest() {
    return { ok: true };
  }

  @Post('ingest-batch')
  @RequireScopes('usage:write')
  ingestBatch() {
    return { ok: true };
  }

  @Get('admin')
  @RequireScopes('admin')
  admin() {
    return { ok: true };
  }
}

async function statuses(agent: TestAgent, path: string, key: string, times: number): Promise<number[]> {
  const result: number[] = [];
  for (let call = 0; call < times; call += 1) result.push((await agent.get(path).set('authorization', bearer(key))).status);
  return result;
}

describe.each([
  ['in memory', {}],
  ['in Redis', { REDIS_URL }],
])('rate limits with counters %s (e2e)', (_storage, storageEnv: Record<string, string>) => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ ...storageEnv, RATE_LIMIT_DEFAULT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
  });
  afterAll(() => testApp.close());

  it('counts down in RateLimit-* headers, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const key = await testApp.createKey('admin');
    const remaining: string[] = [];
    for (let call = 0; call < 3; call += 1) {
      const response = await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(key)).expect(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
      expect(Number(response.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
      remaining.push(response.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(key)).expect(429);
    expect(refused.body).toEqual({ statusCode: 429, error: 'RATE_LIMITED', message: expect.stringContaining('3 requests per minute') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
  });

  it('keeps one counter per API key, not per client', async () => {
    const [first, second] = [await testApp.createKey('admin'), await testApp.createKey('admin')];
    expect(await statuses(testApp.anonymous, '/v1/api-keys', first, 4)).toEqual([200, 200, 200, 429]);
    expect(await statuses(testApp.anonymous, '/v1/api-keys', second, 3)).toEqual([200, 200, 200]);
  });

  it('limits public routes per client IP (from X-Forwarded-For behind a trusted proxy), and never the health probes', async () => {
    // a fresh address per run: Redis counters outlive the test for a minute
    const [client, other] = [randomClientIp(), randomClientIp()];
    const metrics = (ip: string) => testApp.anonymous.get('/metrics').set('x-forwarded-for', ip);
    expect((await Promise.all([1, 2, 3, 4].map(() => metrics(client)))).map((response) => response.status).sort()).toEqual([200, 200, 200, 429]);
    await metrics(other).expect(200);
    const probes = await Promise.all(Array.from({ length: 10 }, () => testApp.anonymous.get('/health/live')));
    expect(probes.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(probes[0].headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('rate limits shared by two instances on one Redis (e2e)', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp({ REDIS_URL, RATE_LIMIT_DEFAULT_PER_MINUTE: '4' });
    second = await startTestApp({ REDIS_URL, RATE_LIMIT_DEFAULT_PER_MINUTE: '4', BOOTSTRAP_ADMIN_API_KEY: first.adminKey }, { database: first.database });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('lets the key through four times in all, whichever instance answers', async () => {
    const key = await first.createKey('admin');
    const answered = [
      ...(await statuses(first.anonymous, '/v1/api-keys', key, 2)),
      ...(await statuses(second.anonymous, '/v1/api-keys', key, 2)),
      ...(await statuses(first.anonymous, '/v1/api-keys', key, 1)),
      ...(await statuses(second.anonymous, '/v1/api-keys', key, 1)),
    ];
    expect(answered).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('never lets more than the limit through when both instances are hit at once', async () => {
    const key = await first.createKey('admin');
    const responses = await Promise.all(Array.from({ length: 20 }, (_, call) => (call % 2 ? first : second).anonymous.get('/v1/api-keys').set('authorization', bearer(key))));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(4);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(16);
  });
});

describe('rate limit buckets by route scope (e2e)', () => {
  let testApp: TestApp;
  let probe: ProbeApp;

  beforeAll(async () => {
    testApp = await startTestApp();
    const limits = { RATE_LIMIT_DEFAULT_PER_MINUTE: '2', RATE_LIMIT_USAGE_WRITE_PER_MINUTE: '5', RATE_LIMIT_USAGE_READ_PER_MINUTE: '1' };
    probe = await startProbeApp(testConfig({ DATABASE_URL: testApp.database.url, ...limits }), [BucketsController]);
  });
  afterAll(async () => {
    await probe.close();
    await testApp.close();
  });

  it('gives usage:write routes their own budget, shared by every usage:write route', async () => {
    const key = await testApp.createKey('admin');
    const calls = [];
    for (const path of ['/probe/ingest', '/probe/ingest-batch', '/probe/ingest', '/probe/ingest-batch', '/probe/ingest', '/probe/ingest-batch']) {
      calls.push((await probe.http.post(path).set('authorization', bearer(key))).status);
    }
    expect(calls).toEqual([201, 201, 201, 201, 201, 429]);
    // the default budget of the same key is untouched by ingest
    expect(await statuses(probe.http, '/probe/admin', key, 3)).toEqual([200, 200, 429]);
  });
});

describe('client IPs without a trusted proxy (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ RATE_LIMIT_DEFAULT_PER_MINUTE: '2' });
  });
  afterAll(() => testApp.close());

  it('ignores X-Forwarded-For, so a client cannot pick a fresh counter per request', async () => {
    const statusesSeen = [];
    for (const ip of [randomClientIp(), randomClientIp(), randomClientIp()]) statusesSeen.push((await testApp.anonymous.get('/metrics').set('x-forwarded-for', ip)).status);
    expect(statusesSeen).toEqual([200, 200, 429]);
  });
});

describe('routes exempt from rate limits (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('exempts every health probe and Stripe webhook route of the live route table, and nothing else', () => {
    const routes = liveRoutes(testApp.app).filter((route) => route.access);
    const exempt = (path: string) => path.startsWith('/health/') || path.startsWith('/webhooks/');
    expect(routes.filter((route) => exempt(route.path) !== route.skipsRateLimit).map((route) => `${route.method} ${route.path}`)).toEqual([]);
    expect(routes.filter((route) => route.skipsRateLimit).map((route) => route.path)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });
});
