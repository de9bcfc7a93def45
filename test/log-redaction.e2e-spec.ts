import { connect, type AddressInfo } from 'node:net';
import { generateApiKeyToken } from '../src/auth/api-key-token';
import { startTestApp, type TestApp } from './support/test-app';

/** Every line the app logs, at trace level, kept in memory. */
function logCapture() {
  const lines: string[] = [];
  return { destination: { write: (line: string) => void lines.push(line) }, text: () => lines.join('') };
}

/** Sends raw bytes and reads the answer: supertest cannot send a request head past Node's header limit. */
function rawExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    // the server answers and closes before it has read a head this large: the reset is expected
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(answer) : reject(error)));
  });
}

describe('keys in logs and answers (e2e)', () => {
  let testApp: TestApp;
  const logs = logCapture();

  beforeAll(async () => {
    testApp = await startTestApp({ LOG_LEVEL: 'trace' }, { logDestination: logs.destination });
  });
  afterAll(() => testApp.close());

  /** An unconfigured key of every shape a credential has here: none is in AppConfig.secrets(). */
  const foreignKeys = () => ({
    apiKey: generateApiKeyToken().token,
    stripeKey: `sk_live_${'A1b2C3d4'.repeat(4)}`,
    restrictedKey: `rk_test_${'Z9y8X7w6'.repeat(4)}`,
    webhookSecret: `whsec_${'Q5r6S7t8'.repeat(4)}`,
  });

  it('drops the raw request head of a 431 from the trace log, so the authorization header never reaches it', async () => {
    const { apiKey } = foreignKeys();
    const port = (testApp.app.getHttpServer().address() as AddressInfo).port;
    const answer = await rawExchange(port, `GET /v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nX-Padding: ${'p'.repeat(70_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    const output = logs.text();
    expect(output).not.toContain('rawPacket');
    // the bytes of the key, as pino would write a Buffer: {"type":"Buffer","data":[…]}
    expect(output).not.toContain([...Buffer.from(apiKey.slice(0, 16))].join(','));
    expect(output).not.toContain(apiKey.slice(12));
  });

  it('masks anything shaped like a key in every line, keeping an API key prefix', async () => {
    const keys = foreignKeys();
    for (const key of Object.values(keys)) {
      await testApp.http.get(`/v1/customers/${key}/usage`).expect(400);
      await testApp.http.post('/v1/usage').send({ customerId: key, meter: key, idempotencyKey: key }).expect((response) => expect(response.status).toBeGreaterThanOrEqual(400));
    }
    const output = logs.text();
    expect(output).toContain(`${keys.apiKey.slice(0, 12)}[redacted]`);
    for (const key of Object.values(keys)) expect({ key, found: output.includes(key.slice(-20)) }).toEqual({ key, found: false });
  });

  it('revokes by the whole key through its prefix, and never echoes a whole key in a 404 or the log', async () => {
    const token = await testApp.createKey('usage:read');
    const revoked = await testApp.http.delete(`/v1/api-keys/${token}`).expect(200);
    expect(revoked.body).toMatchObject({ prefix: token.slice(0, 11), revokedAt: expect.any(String) });
    await testApp.anonymous.get('/v1/customers/00000000-0000-4000-8000-000000000000').set('authorization', `Bearer ${token}`).expect(401);

    const unknown = generateApiKeyToken().token;
    const missing = await testApp.http.delete(`/v1/api-keys/${unknown}`).expect(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'API_KEY_NOT_FOUND', message: `No API key matches ${unknown.slice(0, 11)}` });
    const odd = await testApp.http.delete(`/v1/api-keys/${'s'.repeat(50)}`).expect(404);
    expect(odd.body.message).toBe('No API key matches the given reference');
    const output = logs.text();
    for (const key of [token, unknown]) expect(output).not.toContain(key.slice(12));
  });
});
