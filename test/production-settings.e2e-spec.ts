import { startTestApp, type TestApp } from './support/test-app';

/** The app as NODE_ENV=production builds it (Stripe pointed at a closed https port: nothing here calls it). */
describe('production settings (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      NODE_ENV: 'production',
      STRIPE_SECRET_KEY: 'sk_test_production_settings',
      STRIPE_API_BASE_URL: 'https://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_production_settings',
      NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      METRICS_TOKEN: 'metrics-token-production-0123',
    });
  });
  afterAll(() => testApp.close());

  it('serves no OpenAPI UI or document unless DOCS_ENABLED=true', async () => {
    await testApp.anonymous.get('/docs').expect(404);
    await testApp.anonymous.get('/docs-json').expect(404);
    await testApp.anonymous.get('/health/ready').expect(200);
  });

  it('asks for the metrics token', async () => {
    await testApp.anonymous.get('/metrics').expect(401);
    await testApp.anonymous.get('/metrics').set('authorization', 'Bearer metrics-token-production-0123').expect(200);
  });
});

describe('DOCS_ENABLED=true in production (e2e)', () => {
  it('serves the OpenAPI document', async () => {
    const testApp = await startTestApp({
      NODE_ENV: 'production',
      DOCS_ENABLED: 'true',
      STRIPE_SECRET_KEY: 'sk_test_production_settings',
      STRIPE_API_BASE_URL: 'https://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_production_settings',
      NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      METRICS_PUBLIC: 'true',
    });
    try {
      expect((await testApp.anonymous.get('/docs-json').expect(200)).body.info.title).toBe('Meterbridge');
      await testApp.anonymous.get('/metrics').expect(200);
    } finally {
      await testApp.close();
    }
  });
});
