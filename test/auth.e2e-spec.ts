import { randomUUID } from 'node:crypto';
import { Controller, Get } from '@nestjs/common';
import { createApp } from '../src/app.factory';
import { generateApiKeyToken } from '../src/auth/api-key-token';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { API_SCOPES, type ApiScope } from '../src/auth/scopes.decorator';
import { startProbeApp } from './support/probe-app';
import { liveRoutes, type LiveRoute } from './support/route-table';
import { startTestApp, testConfig, type TestApp } from './support/test-app';

/** The routes the README's API keys section opens without a key; any other public route fails the route-table test. */
const PUBLIC_ROUTES = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'POST /webhooks/stripe'];
const isDocs = (route: LiveRoute) => route.path === '/docs' || route.path.startsWith('/docs/') || route.path.startsWith('/docs-');
/** The operator console's pages take a console session instead of a key (test/console.e2e-spec.ts). */
const isConsole = (route: LiveRoute) => route.path === '/console' || route.path.startsWith('/console/');
const label = (route: LiveRoute) => `${route.method} ${route.path}`;
const concretePath = (path: string) => path.replace(/:\w+/g, randomUUID());
const bearer = (key: string) => `Bearer ${key}`;

@Controller('probe')
class UndeclaredController {
  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }
}

describe('API keys and the deny-by-default guard (e2e)', () => {
  let testApp: TestApp;
  let guarded: LiveRoute[];
  const keysByScope = new Map<ApiScope, string>();

  beforeAll(async () => {
    testApp = await startTestApp();
    guarded = liveRoutes(testApp.app).filter((route) => !isDocs(route) && !isConsole(route) && route.access?.kind !== 'public');
    for (const scope of API_SCOPES) keysByScope.set(scope, await testApp.createKey(scope));
  });
  afterAll(() => testApp.close());

  it('serves every route through a Nest handler that declares its access', () => {
    const routes = liveRoutes(testApp.app).filter((route) => !isDocs(route) && !isConsole(route));
    expect(routes.length).toBeGreaterThan(4);
    expect(routes.filter((route) => !route.access || route.access.kind === 'undeclared').map(label)).toEqual([]);
    expect(routes.filter((route) => route.access?.kind === 'public').map(label).filter((route) => !PUBLIC_ROUTES.includes(route))).toEqual([]);
    expect(guarded.map(label)).toEqual(expect.arrayContaining(['POST /v1/api-keys', 'GET /v1/api-keys', 'DELETE /v1/api-keys/:reference']));
  });

  it('answers 401 UNAUTHENTICATED on every guarded route without a key, or with a malformed, unknown or non-bearer one', async () => {
    const unknownKey = generateApiKeyToken().token;
    for (const route of guarded) {
      for (const authorization of [undefined, 'Bearer', 'Bearer not-a-key', bearer(unknownKey), `Basic ${Buffer.from(`x:${testApp.adminKey}`).toString('base64')}`]) {
        const call = testApp.anonymous[route.method.toLowerCase() as 'get'](concretePath(route.path));
        const response = await (authorization ? call.set('authorization', authorization) : call).send({});
        expect({ route: label(route), authorization, status: response.status, body: response.body }).toMatchObject({
          status: 401,
          body: { statusCode: 401, error: 'UNAUTHENTICATED' },
        });
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
    }
  });

  it('tells only an authenticated caller with the scope that its body could not be parsed', async () => {
    const malformed = (authorization?: string) => {
      const call = testApp.anonymous.post('/v1/usage').set('content-type', 'application/json');
      return (authorization ? call.set('authorization', authorization) : call).send('{"meter": ');
    };
    expect((await malformed()).body).toMatchObject({ statusCode: 401, error: 'UNAUTHENTICATED' });
    expect((await malformed(bearer(keysByScope.get('usage:read') as string))).body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN_SCOPE' });
    expect((await malformed(bearer(testApp.adminKey))).body).toMatchObject({ statusCode: 400, error: 'MALFORMED_JSON' });
  });

  it('answers 403 FORBIDDEN_SCOPE on every guarded route to a key without one of its scopes', async () => {
    let checked = 0;
    for (const route of guarded) {
      const accepted = route.access?.kind === 'scoped' ? route.access.scopes : [];
      for (const scope of API_SCOPES.filter((candidate) => candidate !== 'admin' && !accepted.includes(candidate))) {
        const response = await testApp.anonymous[route.method.toLowerCase() as 'get'](concretePath(route.path))
          .set('authorization', bearer(keysByScope.get(scope) as string))
          .send({});
        expect({ route: label(route), scope, status: response.status, error: response.body.error }).toEqual({ route: label(route), scope, status: 403, error: 'FORBIDDEN_SCOPE' });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(guarded.length);
  });

  it('lets a key with the scope through, and admin through everywhere', async () => {
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(keysByScope.get('admin') as string)).expect(200);
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(testApp.adminKey)).expect(200);
    await testApp.anonymous.get('/v1/api-keys').set('authorization', `bearer   ${testApp.adminKey}`).expect(200);
  });

  it('refuses a route that declares neither @Public() nor @RequireScopes() to everyone, admin included', async () => {
    const probe = await startProbeApp(testApp.config, [UndeclaredController]);
    try {
      await probe.http.get('/probe/undeclared').expect(401);
      const response = await probe.http.get('/probe/undeclared').set('authorization', bearer(testApp.adminKey)).expect(403);
      expect(response.body).toMatchObject({ statusCode: 403, error: 'FORBIDDEN_SCOPE' });
      expect(JSON.stringify(response.body)).not.toContain('reached');
    } finally {
      await probe.close();
    }
  });

  it('shows a created key once and stores only its hash', async () => {
    const created = await testApp.http.post('/v1/api-keys').send({ name: 'ingest', scopes: ['usage:write'] }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'ingest',
      prefix: expect.stringMatching(/^mb_[a-z0-9]{8}$/),
      scopes: ['usage:write'],
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      key: expect.stringMatching(/^mb_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/),
    });
    expect(created.body.key.startsWith(`${created.body.prefix}_`)).toBe(true);
    const listed = await testApp.http.get('/v1/api-keys').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.data.find((key: { id: string }) => key.id === created.body.id)).not.toHaveProperty('key');
    const [row] = await testApp.sql<{ hash: string }>('select hash from api_keys where id = ?', [created.body.id]);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    // the secret is everything after the prefix (base64url: it may hold '_' itself, so splitting on '_' could leave one character)
    expect(JSON.stringify(await testApp.sql('select * from api_keys'))).not.toContain(created.body.key.slice(`${created.body.prefix}_`.length));
  });

  it('rejects a key without scopes or with an unknown scope', async () => {
    for (const scopes of [[], ['superuser'], 'admin']) {
      const response = await testApp.http.post('/v1/api-keys').send({ name: 'bad', scopes }).expect(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 401 to a key as soon as it is revoked, by prefix or by id', async () => {
    for (const by of ['prefix', 'id'] as const) {
      const { body: created } = await testApp.http.post('/v1/api-keys').send({ name: `revoke by ${by}`, scopes: ['admin'] }).expect(201);
      await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(created.key)).expect(200);
      const revoked = await testApp.http.delete(`/v1/api-keys/${created[by]}`).expect(200);
      expect(revoked.body).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
      const refused = await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(created.key)).expect(401);
      expect(refused.body.error).toBe('UNAUTHENTICATED');
    }
    await testApp.http.delete('/v1/api-keys/mb_nothere1').expect(404);
  });

  it('records when a key was last used, without the request waiting for it', async () => {
    const { body: created } = await testApp.http.post('/v1/api-keys').send({ name: 'touched', scopes: ['admin'] }).expect(201);
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(created.key)).expect(200);
    // written in the background: poll briefly
    let lastUsedAt: string | null = null;
    for (let attempt = 0; attempt < 100 && !lastUsedAt; attempt += 1) {
      [{ last_used_at: lastUsedAt }] = await testApp.sql<{ last_used_at: string | null }>('select last_used_at from api_keys where id = ?', [created.id]);
      if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - new Date(lastUsedAt ?? 0).getTime()).toBeLessThan(60_000);
  });

  it('stores the bootstrap admin key hashed, once, however often the service boots', async () => {
    await testApp.app.get(ApiKeysService).ensureBootstrapKey();
    await Promise.all([1, 2, 3].map(() => testApp.app.get(ApiKeysService).ensureBootstrapKey()));
    const rows = await testApp.sql<{ name: string; scopes: string[]; hash: string }>("select name, scopes, hash from api_keys where name = 'bootstrap-admin'");
    expect(rows).toHaveLength(1);
    expect(rows[0].scopes).toEqual(['admin']);
    expect(rows[0].hash).not.toContain(testApp.adminKey);
  });
});

describe('the verified-key cache (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ API_KEY_CACHE_TTL_MS: '3000' });
  });
  afterAll(() => testApp.close());

  it('sees a revocation made by another process (the CLI, another replica) within the TTL, not at once', async () => {
    const key = await testApp.createKey('admin');
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(key)).expect(200);
    await testApp.sql("update api_keys set revoked_at = now() where prefix = ?", [key.slice(0, 11)]);
    // served from memory: no database read on this request
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(key)).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    await testApp.anonymous.get('/v1/api-keys').set('authorization', bearer(key)).expect(401);
  });

  it('refuses to boot with a bootstrap key whose prefix another key already uses', async () => {
    const other = generateApiKeyToken().token;
    const samePrefix = `${testApp.adminKey.slice(0, 12)}${other.slice(12)}`;
    const config = testConfig({ DATABASE_URL: testApp.database.url, BOOTSTRAP_ADMIN_API_KEY: samePrefix });
    const app = await createApp(config);
    try {
      await expect(app.get(ApiKeysService).ensureBootstrapKey()).rejects.toThrow(/BOOTSTRAP_ADMIN_API_KEY: its prefix mb_\w{8} already belongs to another API key/);
    } finally {
      await app.close();
    }
  });
});
