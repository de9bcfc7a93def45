import { connect, type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Controller, Get } from '@nestjs/common';
import { Public } from '../src/auth/scopes.decorator';
import { ShutdownState } from '../src/health/shutdown-state';
import { startProbeApp } from './support/probe-app';
import { startTestApp, type TestApp } from './support/test-app';

@Controller('probe')
class SlowController {
  @Get('slow')
  @Public()
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return { finished: true };
  }
}

describe('HTTP hardening (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('sends security headers and no X-Powered-By', async () => {
    const response = await testApp.anonymous.get('/health/live').expect(200);
    expect(response.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('keeps CORS off when CORS_ORIGINS is unset', async () => {
    const response = await testApp.anonymous.options('/v1/api-keys').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts a 1000-event batch body within HTTP_BODY_LIMIT', async () => {
    const events = Array.from({ length: 1000 }, (_, index) => ({
      externalCustomerId: `customer-${String(index).padStart(6, '0')}-of-a-reasonably-long-external-id`,
      meter: 'api_calls',
      value: 123456,
      timestamp: '2026-11-25T12:34:56.789Z',
      idempotencyKey: `batch-2026-11-25-${String(index).padStart(8, '0')}-0123456789abcdef0123456789abcdef`,
    }));
    const body = JSON.stringify({ events });
    expect(body.length).toBeGreaterThan(200_000);
    // parsed, then refused by validation (not by size): the parser's limit fits the batch
    const response = await testApp.http.post('/v1/api-keys').set('content-type', 'application/json').send(body).expect(400);
    expect(response.body.error).toBe('VALIDATION_FAILED');
  });

  it('refuses a body nested thousands deep with a 400, where class-transformer and JSON.stringify overflowed the stack (500)', async () => {
    const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const deepProperties = `{"externalCustomerId":"x","meter":"api_calls","idempotencyKey":"k","properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    for (const [path, body] of [['/v1/customers', deepArray], ['/v1/usage', deepProperties]]) {
      const response = await testApp.http.post(path).set('content-type', 'application/json').send(body);
      expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 400, body: { statusCode: 400, error: 'JSON_TOO_DEEP', message: expect.any(String) } });
    }
  });

  it('answers a malformed URL in the error shape, with the request id and security headers', async () => {
    const response = await testApp.http.get('/v1/customers/%E0%A4%A').expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'BAD_REQUEST', message: expect.any(String) });
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('looks a 300-character path parameter up like any other, instead of refusing the URL', async () => {
    const response = await testApp.http.get(`/v1/customers/${'a'.repeat(300)}`);
    expect({ status: response.status, error: response.body.error }).toEqual({ status: 404, error: 'CUSTOMER_NOT_FOUND' });
  });

  /** supertest would serialize a Buffer as JSON when the type is JSON: raw bytes go through fetch. */
  async function postBytes(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; error?: string }> {
    const { port } = testApp.app.getHttpServer().address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${testApp.adminKey}`, 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, error: ((await response.json()) as { error?: string }).error };
  }

  it('reads gzip, deflate and br bodies, a byte order mark and charset=utf-8, as Express did', async () => {
    const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    for (const [coding, encode] of Object.entries(encoders)) {
      const body = encode(JSON.stringify({ externalId: `compressed-${coding}`, email: `${coding}@example.com` }));
      expect({ coding, ...(await postBytes('/v1/customers', { 'content-encoding': coding }, body)) }).toEqual({ coding, status: 201 });
    }
    const withBom = Buffer.from(`\uFEFF${JSON.stringify({ externalId: 'bom', email: 'bom@example.com' })}`);
    expect(await postBytes('/v1/customers', { 'content-type': 'application/json; charset=UTF-8' }, withBom)).toEqual({ status: 201 });
    expect((await testApp.sql<{ external_id: string }>('select external_id from customers order by external_id')).map((row) => row.external_id)).toEqual(['bom', 'compressed-br', 'compressed-deflate', 'compressed-gzip']);
  });

  it('refuses an unknown coding or charset with 415, a body past the limit once decompressed with 413, and stores nothing', async () => {
    const body = Buffer.from(JSON.stringify({ externalId: 'refused', email: 'refused@example.com' }));
    const answers = [
      await postBytes('/v1/customers', { 'content-encoding': 'compress' }, body),
      await postBytes('/v1/customers', { 'content-type': 'application/json; charset=latin1' }, body),
      await postBytes('/v1/customers', { 'content-encoding': 'gzip' }, body),
      // 3 MB of spaces compress to a few kB: within the 2 MB limit on the wire, past it decompressed
      await postBytes('/v1/customers', { 'content-encoding': 'gzip' }, gzipSync(Buffer.concat([Buffer.alloc(3_000_000, ' '), body]))),
    ];
    expect(answers).toEqual([
      { status: 415, error: 'UNSUPPORTED_ENCODING' },
      { status: 415, error: 'UNSUPPORTED_CHARSET' },
      { status: 400, error: 'MALFORMED_BODY' },
      { status: 413, error: 'PAYLOAD_TOO_LARGE' },
    ]);
    expect(await testApp.sql("select id from customers where external_id = 'refused'")).toEqual([]);
  });

  it('refuses NUL in a path parameter or query value with a 400, where PostgreSQL refused the statement (500)', async () => {
    for (const call of [testApp.http.delete('/v1/api-keys/%00'), testApp.http.post('/v1/webhooks/events/evt_%00/retry'), testApp.http.get('/v1/customers?externalId=a%00')]) {
      const response = await call;
      expect({ status: response.status, error: response.body.error }).toEqual({ status: 400, error: 'VALIDATION_FAILED' });
    }
    const body = await testApp.http.post('/v1/customers').send({ externalId: 'a\u0000b', email: 'nul@example.com' }).expect(400);
    expect(body.body.details).toEqual([{ field: 'externalId', problems: ['externalId must not contain NUL characters or unpaired UTF-16 surrogates'] }]);
    expect(await testApp.sql("select id from customers where email = 'nul@example.com'")).toEqual([]);
  });

  it('turns readiness 503 as soon as shutdown begins, while liveness stays 200', async () => {
    await testApp.anonymous.get('/health/ready').expect(200);
    testApp.app.get(ShutdownState).begin();
    const response = await testApp.anonymous.get('/health/ready').expect(503);
    expect(response.body).toMatchObject({ statusCode: 503, error: 'NOT_READY', details: [{ check: 'shutdown', status: 'down' }] });
    await testApp.anonymous.get('/health/live').expect(200);
  });
});

describe('HTTP hardening with CORS_ORIGINS and a request timeout (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ CORS_ORIGINS: 'https://console.example,https://ops.example', HTTP_REQUEST_TIMEOUT_MS: '200' });
  });
  afterAll(() => testApp.close());

  it('allows exactly the configured origins', async () => {
    const allowed = await testApp.anonymous.options('/v1/api-keys').set('origin', 'https://ops.example').set('access-control-request-method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example');
    const refused = await testApp.anonymous.options('/v1/api-keys').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a request still running after HTTP_REQUEST_TIMEOUT_MS with a JSON 503', async () => {
    const probe = await startProbeApp(testApp.config, [SlowController]);
    try {
      const response = await probe.http.get('/probe/slow').expect(503);
      expect(response.body).toEqual({ statusCode: 503, error: 'REQUEST_TIMEOUT', message: expect.stringContaining('200 ms') });
      // the handler finishing later does not break the server
      await new Promise((resolve) => setTimeout(resolve, 500));
      await probe.http.get('/health/live').expect(200);
    } finally {
      await probe.close();
    }
  });

  it('answers a client still sending its body after HTTP_REQUEST_TIMEOUT_MS with a JSON 408, and stores nothing', async () => {
    const port = (testApp.app.getHttpServer().address() as AddressInfo).port;
    const body = JSON.stringify({ externalCustomerId: 'slow', meter: 'api_calls', idempotencyKey: 'slow-1' });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testApp.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.slice(0, 10)); // and the rest never comes
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ statusCode: 408, error: 'REQUEST_BODY_TIMEOUT', message: expect.stringContaining('200 ms') });
    expect(await testApp.sql('select 1 from usage_events')).toEqual([]);
  });
});
