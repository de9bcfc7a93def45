import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { insertCustomerRow, insertMeterRow, type CustomerRow } from './support/billing-rows';
import { freePort } from './support/free-port';
import { buildService, runCli, runServiceToExit, startService, type ServiceBuild } from './support/service-process';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The compiled service and CLI as separate processes, as Kubernetes and operators run them.
 * An in-process test app on the same database provides fixtures and SQL.
 */
let build: ServiceBuild;
beforeAll(() => {
  build = buildService();
}, 180_000);
afterAll(() => build?.remove());

interface Answer {
  idempotencyKey: string;
  status: number | 'network error';
  afterSignal: boolean;
}

/** Posts usage events one after another until the service stops answering after the signal. */
async function writer(baseUrl: string, key: string, customer: CustomerRow, worker: number, state: { signalled: boolean }): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let sequence = 0; ; sequence += 1) {
    const idempotencyKey = `burst-${worker}-${sequence}`;
    try {
      const response = await fetch(`${baseUrl}/v1/usage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: customer.id, meter: 'api_calls', value: 1, idempotencyKey }),
      });
      await response.arrayBuffer();
      answers.push({ idempotencyKey, status: response.status, afterSignal: state.signalled });
    } catch {
      answers.push({ idempotencyKey, status: 'network error', afterSignal: state.signalled });
      if (state.signalled) return answers;
    }
  }
}

describe('SIGTERM during a burst of ingest requests (e2e, built service)', () => {
  let fixture: TestApp;

  beforeAll(async () => {
    fixture = await startTestApp();
  });
  afterAll(() => fixture.close());

  it('finishes the requests in flight, keeps every 202 it sent, and exits 0', async () => {
    const customer = await insertCustomerRow(fixture);
    await insertMeterRow(fixture, { key: 'api_calls' });
    const service = await startService(build, await freePort(), {
      DATABASE_URL: fixture.database.url,
      BOOTSTRAP_ADMIN_API_KEY: fixture.adminKey,
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '10000',
      // events wait a little for company in group commit: more of them are in flight at the signal
      USAGE_GROUP_COMMIT_MAX_WAIT_MS: '20',
    });
    const ingestKey = await fixture.createKey('usage:write');
    const state = { signalled: false };
    const writers = Array.from({ length: 8 }, (_, worker) => writer(service.baseUrl, ingestKey, customer, worker, state));
    for (let waited = 0; (await fixture.sql('select 1 from usage_events limit 200')).length < 200 && waited < 300; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    state.signalled = true;
    service.signal('SIGTERM');
    const answers = (await Promise.all(writers)).flat();
    expect(await service.exited).toEqual({ code: 0, signal: null });

    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(200);
    expect(accepted.filter((answer) => answer.afterSignal).length).toBeGreaterThan(0);
    expect(answers.filter((answer) => typeof answer.status === 'number' && answer.status !== 202)).toEqual([]);
    const stored = new Set((await fixture.sql<{ idempotency_key: string }>('select idempotency_key from usage_events where customer_id = ?', [customer.id])).map((row) => row.idempotency_key));
    expect(accepted.filter((answer) => !stored.has(answer.idempotencyKey))).toEqual([]);
    expect(service.output()).not.toMatch(/"level":(50|60)/);
  });
});

/** An address of this machine other than loopback: what a client outside a container or pod connects to. */
function externalIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

describe('the network address of the built service (e2e)', () => {
  let fixture: TestApp;

  beforeAll(async () => {
    fixture = await startTestApp();
  });
  afterAll(() => fixture.close());

  it('answers on the machine address, not only on loopback (Fastify binds localhost unless told otherwise)', async () => {
    const address = externalIPv4();
    expect({ externalIPv4: address }).toEqual({ externalIPv4: expect.any(String) });
    const port = await freePort();
    const service = await startService(build, port, { DATABASE_URL: fixture.database.url, LOG_LEVEL: 'warn' });
    try {
      expect((await fetch(`http://${address}:${port}/health/live`)).status).toBe(200);
    } finally {
      service.signal('SIGTERM');
      await service.exited;
    }
  });
});

describe('secrets in the logs of a full run (e2e, built service)', () => {
  let fixture: TestApp;

  beforeAll(async () => {
    fixture = await startTestApp();
  });
  afterAll(() => fixture.close());

  it('never writes a configured secret, whatever requests carry them', async () => {
    const secrets = {
      STRIPE_SECRET_KEY: `sk_test_${randomBytes(24).toString('hex')}`,
      STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('hex')}`,
      BOOTSTRAP_ADMIN_API_KEY: fixture.adminKey,
      METRICS_TOKEN: randomBytes(24).toString('hex'),
    };
    const customer = await insertCustomerRow(fixture);
    await insertMeterRow(fixture, { key: 'api_calls' });
    const service = await startService(build, await freePort(), {
      DATABASE_URL: fixture.database.url,
      LOG_LEVEL: 'trace',
      // any Stripe call fails fast instead of leaving the machine
      STRIPE_API_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      ...secrets,
    });
    // a key that is not configuration: only the header whitelist keeps it out of the logs
    const ordinaryKey = await fixture.createKey('usage:read');
    const values = [...Object.values(secrets), ordinaryKey];
    const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
      fetch(`${service.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }).then(async (response) => ({ status: response.status, body: await response.text() }));
    const statuses: number[] = [];
    for (const secret of values) {
      const headers = { authorization: `Bearer ${secret}`, 'stripe-signature': `t=1,v1=${secret}`, 'x-api-key': secret, cookie: `session=${secret}`, 'x-upstream-token': secret };
      statuses.push((await call('/v1/api-keys', { headers })).status);
      // a path segment is logged as sent; configured secrets are masked there too
      const path = secret === ordinaryKey ? `/v1/customers/${customer.id}/usage?token=${secret}` : `/v1/customers/${secret}/usage?token=${secret}`;
      statuses.push((await call(path, { headers })).status);
      statuses.push((await call('/webhooks/stripe', { method: 'POST', headers, body: { id: secret, secret, apiKey: secret, password: secret } })).status);
      statuses.push((await call('/metrics', { headers })).status);
      const asAdmin = { ...headers, authorization: `Bearer ${fixture.adminKey}` };
      statuses.push((await call('/v1/usage', { method: 'POST', headers: asAdmin, body: { customerId: secret, meter: secret, idempotencyKey: secret } })).status);
      statuses.push((await call('/v1/usage', { method: 'POST', headers: asAdmin, body: { customerId: customer.id, meter: 'api_calls', idempotencyKey: secret, secret } })).status);
      statuses.push((await call('/v1/usage', { method: 'POST', headers: asAdmin, body: { customerId: customer.id, meter: 'api_calls', idempotencyKey: secret.slice(0, 60) } })).status);
      statuses.push((await call('/v1/api-keys', { method: 'POST', headers: asAdmin, body: { name: secret, scopes: ['usage:read'] } })).status);
    }
    service.signal('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });

    // the run did log, including failures and the callers' key prefixes
    expect(statuses).toEqual(expect.arrayContaining([200, 201, 202, 400, 401]));
    const output = service.output();
    expect(output).toContain('"statusCode":401');
    expect(output).toContain(`"apiKey":"${fixture.adminKey.slice(0, 11)}"`);
    expect(output).toContain('SIGTERM');
    for (const secret of values) expect({ secret, found: output.includes(secret) }).toEqual({ secret, found: false });
    // the secret part of an API key alone is a secret too
    expect(output).not.toContain(fixture.adminKey.slice(12));
  });
});

describe('npm run cli -- keys:* (e2e, built CLI)', () => {
  let fixture: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    fixture = await startTestApp({ API_KEY_CACHE_TTL_MS: '0' });
    env = { DATABASE_URL: fixture.database.url };
  });
  afterAll(() => fixture.close());

  it('creates a key and prints it once, lists it without its secret, revokes it by prefix', async () => {
    const created = await runCli(build, ['keys:create', '--name', 'billing gateway', '--scopes', 'admin,usage:read'], env);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const [, prefix, id] = /created API key "billing gateway" (mb_[a-z0-9]{8}) \(id ([0-9a-f-]{36})\) with scopes admin,usage:read/.exec(created.stdout) ?? [];
    const token = /key \(shown once, store it now\): (mb_\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(token.startsWith(`${prefix}_`)).toBe(true);
    await fixture.anonymous.get('/v1/api-keys').set('authorization', `Bearer ${token}`).expect(200);

    const listed = await runCli(build, ['keys:list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${prefix}\\t${id}\\tbilling gateway\\tadmin,usage:read\\tcreated \\S+\\tlast used \\S+\\tactive$`, 'm'));
    expect(listed.stdout).toContain('bootstrap-admin');
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli(build, ['keys:revoke', prefix], env);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^revoked API key "billing gateway" ${prefix} at \\S+Z\\n$`)) });
    await fixture.anonymous.get('/v1/api-keys').set('authorization', `Bearer ${token}`).expect(401);
    expect((await runCli(build, ['keys:list'], env)).stdout).toMatch(new RegExp(`^${prefix}\\t.*\\trevoked \\S+$`, 'm'));
  });

  it('fails with a message and a non-zero exit code on bad input', async () => {
    const missing = await runCli(build, ['keys:revoke', 'mb_nothere1'], env);
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'no API key matches mb_nothere1\n' });
    const badScope = await runCli(build, ['keys:create', '--name', 'x', '--scopes', 'usage:write,root'], env);
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain('scopes are a comma-separated list of admin, usage:write, usage:read');
    expect(await fixture.sql("select 1 from api_keys where name = 'x'")).toEqual([]);
  });
});

describe('an invalid configuration (e2e, built service and CLI)', () => {
  const SECRET_KEY = 'sk_live_not-a-key with spaces';
  const BAD = { PORT: 'eighty', REDIS_URL: 'not a url', METRICS_TOKEN: 'short secret', STRIPE_SECRET_KEY: SECRET_KEY };

  it.each([
    ['the service', () => runServiceToExit(build, BAD)],
    ['the CLI', () => runCli(build, ['keys:list'], BAD)],
  ])('stops %s with exit code 1 and one line per bad variable, never its value', async (_what, run) => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(1);
    const [heading, ...problems] = stderr.trimEnd().split('\n');
    expect(heading).toBe('Invalid configuration:');
    expect(problems.map((line) => /^ {2}- ([A-Z_]+): /.exec(line)?.[1]).sort()).toEqual(['METRICS_TOKEN', 'PORT', 'REDIS_URL', 'STRIPE_SECRET_KEY']);
    for (const value of Object.values(BAD)) expect(`${stdout}${stderr}`).not.toContain(value);
  });
});
