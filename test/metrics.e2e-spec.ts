import { MetricsService } from '../src/metrics/metrics.service';
import { insertCustomerRow, insertMeterRow } from './support/billing-rows';
import { startTestApp, type TestApp } from './support/test-app';

/** The value of one sample line (`name{labels} value`) in a Prometheus text scrape. */
function sample(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = scrape
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `) ? Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)) : false);
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('serves Prometheus text with the default process metrics, to anyone when no token is set', async () => {
    const response = await testApp.anonymous.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(response.text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(response.text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('times requests by route template and status, including those the guard refuses and those no route matched', async () => {
    await testApp.http.get('/v1/api-keys').expect(200);
    await testApp.http.delete('/v1/api-keys/mb_missing1').expect(404);
    await testApp.anonymous.get('/v1/api-keys').expect(401);
    await testApp.anonymous.get('/no/such/thing/42').expect(404);
    const { text } = await testApp.anonymous.get('/metrics').expect(200);
    const count = (labels: Record<string, string>) => sample(text, 'meterbridge_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/v1/api-keys', status: '200' })).toBe(1);
    expect(count({ method: 'DELETE', route: '/v1/api-keys/:reference', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '/v1/api-keys', status: '401' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain('mb_missing1');
    expect(text).not.toContain('/no/such/thing');
  });

  it('exposes the metrics other modules record through MetricsService', async () => {
    const metrics = testApp.app.get(MetricsService);
    metrics.countUsageEvents('accepted', 7);
    metrics.countUsageEvents('duplicate');
    metrics.countUsageEvents('rejected', 2);
    metrics.setBacklog(42, 90);
    metrics.countReports('sent', 5);
    metrics.countReports('failed');
    await metrics.timeStripeCall('meterEvents.create', async () => 'ok');
    await expect(metrics.timeStripeCall('meterEvents.create', async () => Promise.reject(Object.assign(new Error('no'), { code: 'rate_limit' })))).rejects.toThrow('no');
    metrics.observeLockWait('reporter', 0.2);
    metrics.countWebhookEvent('invoice.created', 'processed');
    const { text } = await testApp.anonymous.get('/metrics').expect(200);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'accepted' })).toBe(7);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'duplicate' })).toBe(1);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'rejected' })).toBe(2);
    expect(sample(text, 'meterbridge_usage_backlog_events')).toBe(42);
    expect(sample(text, 'meterbridge_usage_backlog_oldest_age_seconds')).toBe(90);
    expect(sample(text, 'meterbridge_reports_total', { outcome: 'sent' })).toBe(5);
    expect(sample(text, 'meterbridge_reports_total', { outcome: 'failed' })).toBe(1);
    expect(sample(text, 'meterbridge_stripe_request_duration_seconds_count', { operation: 'meterEvents.create' })).toBe(2);
    expect(sample(text, 'meterbridge_stripe_errors_total', { operation: 'meterEvents.create', code: 'rate_limit' })).toBe(1);
    expect(sample(text, 'meterbridge_lock_wait_seconds_count', { lock: 'reporter' })).toBe(1);
    expect(sample(text, 'meterbridge_webhook_events_total', { type: 'invoice.created', outcome: 'processed' })).toBe(1);
  });
});

describe('usage ingestion metrics (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('counts events accepted, duplicate and rejected on both usage routes', async () => {
    const customer = await insertCustomerRow(testApp);
    const meter = await insertMeterRow(testApp);
    const event = (idempotencyKey: string) => ({ customerId: customer.id, meter: meter.key, idempotencyKey });
    await testApp.http.post('/v1/usage').send(event('a')).expect(202);
    await testApp.http.post('/v1/usage').send(event('a')).expect(202);
    await testApp.http.post('/v1/usage').send({ ...event('b'), value: -1 }).expect(400);
    await testApp.http.post('/v1/usage/batch').send({ events: [event('c'), event('a'), { ...event('d'), meter: 'nope' }] }).expect(207);
    const { text } = await testApp.anonymous.get('/metrics').expect(200);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'duplicate' })).toBe(2);
    expect(sample(text, 'meterbridge_usage_events_total', { outcome: 'rejected' })).toBe(2);
  });
});

describe('GET /metrics with METRICS_TOKEN (e2e)', () => {
  const token = 'scrape-token-0123456789';
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ METRICS_TOKEN: token });
  });
  afterAll(() => testApp.close());

  it('needs exactly that bearer token; an API key does not open it', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Bearer ${testApp.adminKey}`]) {
      const call = testApp.anonymous.get('/metrics');
      const response = await (authorization ? call.set('authorization', authorization) : call).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'UNAUTHENTICATED' });
    }
    const response = await testApp.anonymous.get('/metrics').set('authorization', `Bearer ${token}`).expect(200);
    expect(response.text).toContain('meterbridge_http_request_duration_seconds');
  });
});
