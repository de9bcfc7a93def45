import { startTestApp, type TestApp } from './support/test-app';

/** The console's sessions and CSRF protection over HTTP (the browser flows: test/console-browser.e2e-spec.ts). */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

/** Signs in with `key`; returns the session cookie (name=value) and the page's CSRF token. */
async function signIn(testApp: TestApp, key: string): Promise<{ cookie: string; csrf: string }> {
  const response = await testApp.anonymous.post('/console/sign-in').type(FORM).send(form({ apiKey: key })).expect(303);
  expect(response.headers.location).toBe('/console');
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  const page = await testApp.anonymous.get('/console').set('cookie', cookie).expect(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
  return { cookie, csrf };
}

describe('operator console sessions (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp.close());

  it('sends a visitor without a session to the sign-in page, which sets no cookie and has no inline script', async () => {
    const overview = await testApp.anonymous.get('/console').expect(303);
    expect(overview.headers.location).toBe('/console/sign-in');
    const signInPage = await testApp.anonymous.get('/console/sign-in').expect(200);
    expect(signInPage.headers['set-cookie']).toBeUndefined();
    expect(signInPage.headers['content-security-policy']).toContain("script-src 'self'");
    expect(signInPage.text).not.toMatch(/<script|style=/i);
    const stylesheet = await testApp.anonymous.get('/console/static/console.css').expect(200);
    expect(stylesheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(stylesheet.text).toContain(':focus-visible');
  });

  it('exchanges an admin key for an HttpOnly SameSite=Strict session cookie that holds a random id, not the key', async () => {
    const response = await testApp.anonymous.post('/console/sign-in').type(FORM).send(form({ apiKey: testApp.adminKey })).expect(303);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^meterbridge_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(testApp.adminKey);
    const [stored] = await testApp.sql<{ id_hash: string }>('SELECT id_hash FROM console_sessions');
    expect(stored!.id_hash).not.toBe(cookie.split(';')[0]!.split('=')[1]);
  });

  it('refuses unknown keys and keys with neither admin nor usage:read: on the page to a browser, in the error shape to anyone else', async () => {
    const unknownKey = form({ apiKey: 'mb_unknown_0000000000000000000000000000' });
    const page = await testApp.anonymous.post('/console/sign-in').set('accept', 'text/html').type(FORM).send(unknownKey).expect(401);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).toContain('<p class="notice notice-error" role="alert">This API key is unknown or revoked</p>');
    const json = await testApp.anonymous.post('/console/sign-in').type(FORM).send(unknownKey).expect(401);
    expect(json.body).toEqual({ statusCode: 401, error: 'UNAUTHENTICATED', message: 'This API key is unknown or revoked' });
    const writer = await testApp.createKey('usage:write');
    await testApp.anonymous.post('/console/sign-in').type(FORM).send(form({ apiKey: writer })).expect(403);
  });

  it('refuses a state change without the CSRF token, or posted from another origin, and signs out with it', async () => {
    const { cookie, csrf } = await signIn(testApp, testApp.adminKey);
    const missing = await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).type(FORM).send(form({})).expect(403);
    expect(missing.body.error).toBe('CONSOLE_CSRF_REFUSED');
    await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).type(FORM).send(form({ csrf: `${csrf}x` })).expect(403);
    const crossSite = await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).set('origin', 'https://evil.example').type(FORM).send(form({ csrf })).expect(403);
    expect(crossSite.body.error).toBe('CONSOLE_CROSS_SITE_REFUSED');
    await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).set('sec-fetch-site', 'same-site').type(FORM).send(form({ csrf })).expect(403);
    await testApp.anonymous.get('/console').set('cookie', cookie).expect(200);
    const signedOut = await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).type(FORM).send(form({ csrf })).expect(303);
    expect(String(signedOut.headers['set-cookie'])).toContain('Max-Age=0');
    await testApp.anonymous.get('/console').set('cookie', cookie).expect(303);
  });

  it('ends the sessions of a key revoked after sign-in', async () => {
    const key = await testApp.createKey('usage:read');
    const { cookie } = await signIn(testApp, key);
    await testApp.http.delete(`/v1/api-keys/${key}`).expect(200);
    await testApp.anonymous.get('/console').set('cookie', cookie).expect(303);
  });

  it('lets a usage:read session look but not act', async () => {
    const { cookie, csrf } = await signIn(testApp, await testApp.createKey('usage:read'));
    const invoices = await testApp.anonymous.get('/console/invoices').set('cookie', cookie).expect(200);
    expect(invoices.text).toContain('(read only)');
    const refused = await testApp.anonymous.post('/console/invoices/in_123/release').set('cookie', cookie).type(FORM).send(form({ csrf, reason: 'looks fine' })).expect(403);
    expect(refused.body.error).toBe('FORBIDDEN_SCOPE');
  });

  it('takes form bodies on console routes only, and nothing else there: the API still wants JSON', async () => {
    const { cookie, csrf } = await signIn(testApp, testApp.adminKey);
    const json = await testApp.anonymous.post('/console/sign-out').set('cookie', cookie).send({ csrf }).expect(415);
    expect(json.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    const response = await testApp.http.post('/v1/customers').type(FORM).send(form({ externalId: 'acct_form', email: 'a@example.com' })).expect(415);
    expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('operator console in production (e2e)', () => {
  it('is not served unless CONSOLE_ENABLED=true, and its cookie is Secure when it is', async () => {
    const production = {
      NODE_ENV: 'production',
      STRIPE_SECRET_KEY: 'sk_test_console_production',
      STRIPE_API_BASE_URL: 'https://127.0.0.1:9',
      STRIPE_WEBHOOK_SECRET: 'whsec_console_production',
      NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      METRICS_PUBLIC: 'true',
    };
    const off = await startTestApp(production);
    try {
      await off.anonymous.get('/console/sign-in').expect(404);
    } finally {
      await off.close();
    }
    const on = await startTestApp({ ...production, CONSOLE_ENABLED: 'true' });
    try {
      const response = await on.anonymous.post('/console/sign-in').type(FORM).send(form({ apiKey: on.adminKey })).expect(303);
      expect(String(response.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await on.close();
    }
  });
});
