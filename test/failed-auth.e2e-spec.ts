import { generateApiKeyToken } from '../src/auth/api-key-token';
import { startTestApp, type TestApp } from './support/test-app';

describe('failed authentication limits (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    // the test's loopback connection plays a trusted proxy, so X-Forwarded-For picks the client address
    testApp = await startTestApp({ AUTH_FAILURES_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
  });
  afterAll(() => testApp.close());

  const call = (address: string, key: string) => testApp.anonymous.get('/v1/meters').set('x-forwarded-for', address).set('authorization', `Bearer ${key}`);

  it('stops looking keys up for an address after 5 unknown keys in a minute: 429 with Retry-After, other addresses unaffected', async () => {
    const knownKey = await testApp.createKey('admin');
    await call('10.0.0.1', knownKey).expect(200);
    for (let attempt = 0; attempt < 5; attempt += 1) await call('10.0.0.1', generateApiKeyToken().token).expect(401);
    const refused = await call('10.0.0.1', generateApiKeyToken().token).expect(429);
    expect(refused.body).toEqual({ statusCode: 429, error: 'RATE_LIMITED', message: expect.stringContaining('unknown API keys') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // a key this process verified moments ago needs no lookup, so it still passes
    await call('10.0.0.1', knownKey).expect(200);
    await call('10.0.0.2', generateApiKeyToken().token).expect(401);
  });

  it('answers a key found unknown moments ago from memory: repeating it costs no lookup and counts once', async () => {
    const unknown = generateApiKeyToken().token;
    for (let attempt = 0; attempt < 20; attempt += 1) await call('10.0.0.3', unknown).expect(401);
    for (let attempt = 0; attempt < 4; attempt += 1) await call('10.0.0.3', generateApiKeyToken().token).expect(401);
    await call('10.0.0.3', generateApiKeyToken().token).expect(429);
  });

  it('does not count requests without a key or with a malformed one: they cost no lookup', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await testApp.anonymous.get('/v1/meters').set('x-forwarded-for', '10.0.0.4').expect(401);
      await call('10.0.0.4', 'not-a-key').expect(401);
    }
    await call('10.0.0.4', generateApiKeyToken().token).expect(401);
  });
});
