import request from 'supertest';
import { createApp } from '../src/app.factory';
import { MigrationService } from '../src/database/migration.service';
import { startTestApp, testConfig, type TestApp } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

describe('health and HTTP basics (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('answers liveness without checking dependencies', async () => {
    await testApp.http.get('/health/live').expect(200).expect((response) => expect(response.body.status).toBe('ok'));
  });

  it('is ready when the database answers and every migration is applied', async () => {
    const response = await testApp.http.get('/health/ready').expect(200);
    expect(response.body.details).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' } });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await testApp.http.get('/no/such/route').expect(404);
    expect(response.body).toEqual({ statusCode: 404, error: 'NOT_FOUND', message: 'Cannot GET /no/such/route' });
  });

  it('answers malformed JSON with a JSON 400', async () => {
    const response = await testApp.http.post('/v1/customers').set('content-type', 'application/json').send('{"oops":').expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'MALFORMED_JSON', message: 'The request body is not valid JSON' });
  });

  it('answers an oversized body with a JSON 413', async () => {
    const body = JSON.stringify({ blob: 'x'.repeat(3 * 1024 * 1024) });
    const response = await testApp.http.post('/v1/customers').set('content-type', 'application/json').send(body).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, error: 'PAYLOAD_TOO_LARGE' });
  });

  it('carries a request id back to the caller', async () => {
    const response = await testApp.http.get('/health/live').set('x-request-id', 'req-123').expect(200);
    expect(response.headers['x-request-id']).toBe('req-123');
  });

  it('serves the OpenAPI document', async () => {
    const response = await testApp.http.get('/docs-json').expect(200);
    expect(response.body.info.title).toBe('Meterbridge');
    expect(Object.keys(response.body.paths)).toContain('/health/ready');
  });
});

describe('readiness when the database goes away (e2e)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  });
  afterAll(async () => {
    await proxy.close();
    await database.drop();
  });

  it('turns 503 naming the failing check', async () => {
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const app = await createApp(testConfig({ DATABASE_URL: viaProxy.toString() }));
    try {
      await app.get(MigrationService).migrateUnderLock();
      await app.listen(0, '127.0.0.1');
      await request(app.getHttpServer()).get('/health/ready').expect(200);
      proxy.cut();
      const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(response.body.error).toBe('NOT_READY');
      expect(response.body.details).toContainEqual(expect.objectContaining({ check: 'database', status: 'down' }));
      await request(app.getHttpServer()).get('/health/live').expect(200);
    } finally {
      await app.close().catch(() => undefined);
    }
  });

  it('is not ready while a migration is pending', async () => {
    const unmigrated = await createTestDatabase();
    const app = await createApp(testConfig({ DATABASE_URL: unmigrated.url }));
    try {
      await app.listen(0, '127.0.0.1');
      const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(response.body).toMatchObject({ error: 'NOT_READY', details: [{ check: 'migrations', status: 'down' }] });
      expect(response.body.details[0].pending.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await unmigrated.drop();
    }
  });
});
