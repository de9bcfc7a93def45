import { loadAppConfig } from './app-config';
import { ConfigValidationError, validateEnvironment } from './environment';

function problemsFor(raw: Record<string, string>): string[] {
  try {
    validateEnvironment(raw);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateEnvironment', () => {
  it('accepts an empty environment with development defaults', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, HOST: '0.0.0.0', LOG_LEVEL: 'info', DATABASE_POOL_MAX: 10 });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('converts numbers and keeps valid values', () => {
    const env = validateEnvironment({ PORT: '8080', DATABASE_URL: 'postgres://u@h:5432/db', STRIPE_WEBHOOK_SECRET: 'whsec_a,whsec_b' });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe('postgres://u@h:5432/db');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['HOST', 'all-interfaces'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_POOL_MAX', '0'],
    ['STRIPE_SECRET_KEY', 'pk_test_123'],
    ['STRIPE_WEBHOOK_SECRET', 'secret'],
    ['REDIS_URL', 'http://localhost'],
    ['HTTP_BODY_LIMIT', 'huge'],
    ['HTTP_REQUEST_TIMEOUT_MS', '5'],
    ['CORS_ORIGINS', '*'],
    ['TRUST_PROXY', 'yes please'],
    ['BOOTSTRAP_ADMIN_API_KEY', 'admin'],
    ['API_KEY_CACHE_TTL_MS', '-1'],
    ['RATE_LIMIT_DEFAULT_PER_MINUTE', '0'],
    ['RATE_LIMIT_USAGE_WRITE_PER_MINUTE', 'lots'],
    ['METRICS_TOKEN', 'short'],
    ['SHUTDOWN_GRACE_MS', 'forever'],
    ['STRIPE_MAX_NETWORK_RETRIES', 'many'],
    ['STRIPE_TIMEOUT_MS', '5'],
  ])('names %s when it is %j', (variable, value) => {
    const problems = problemsFor({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it('reports one line per bad variable, all at once', () => {
    const problems = problemsFor({ PORT: 'x', LOG_LEVEL: 'y', REDIS_URL: 'z' });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });

  it('never echoes a secret value in a problem line', () => {
    const [line] = problemsFor({ STRIPE_SECRET_KEY: 'pk_live_verysecretvalue' });
    expect(line).not.toContain('verysecretvalue');
  });

  it('points the Stripe client at an emulator URL only together with a key', () => {
    expect(problemsFor({ STRIPE_API_BASE_URL: 'http://127.0.0.1:12111', STRIPE_SECRET_KEY: 'sk_test_x' })).toEqual([]);
    expect(problemsFor({ STRIPE_API_BASE_URL: 'http://127.0.0.1:12111' })).toEqual([expect.stringMatching(/^STRIPE_API_BASE_URL: needs STRIPE_SECRET_KEY/)]);
    expect(problemsFor({ STRIPE_API_BASE_URL: 'ftp://emulator', STRIPE_SECRET_KEY: 'sk_test_x' })).toEqual([expect.stringMatching(/^STRIPE_API_BASE_URL: must be an http/)]);
  });

  it('refuses a notification secrets key that is not 32 bytes of base64, and malformed allowed networks', () => {
    expect(problemsFor({ NOTIFICATION_SECRETS_KEY: 'c2hvcnQ=' }).map((line) => line.split(':')[0])).toEqual(['NOTIFICATION_SECRETS_KEY']);
    expect(problemsFor({ NOTIFICATION_URL_ALLOWED_NETWORKS: '10.0.0.0' }).map((line) => line.split(':')[0])).toEqual(['NOTIFICATION_URL_ALLOWED_NETWORKS']);
    expect(problemsFor({ NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'), NOTIFICATION_URL_ALLOWED_NETWORKS: '10.0.0.0/8,fd00::/8' })).toEqual([]);
  });

  it('requires a real database, a real Stripe key, a notification secrets key, a webhook secret and a metrics token in production', () => {
    const problems = problemsFor({ NODE_ENV: 'production' });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'METRICS_TOKEN', 'NOTIFICATION_SECRETS_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
  });

  describe('in production', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://meterbridge@db:5432/meterbridge',
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      METRICS_TOKEN: 'metrics-token-0123456789',
      NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    };

    it('starts with every required setting', () => {
      expect(problemsFor(production)).toEqual([]);
    });

    it('refuses a plain-http STRIPE_API_BASE_URL, which would send the key in clear text', () => {
      expect(problemsFor({ ...production, STRIPE_API_BASE_URL: 'http://stripe-mock:12111' })).toEqual([expect.stringMatching(/^STRIPE_API_BASE_URL: must be https:\/\//)]);
      expect(problemsFor({ ...production, STRIPE_API_BASE_URL: 'https://stripe-mock:12111' })).toEqual([]);
    });

    it('serves /metrics without a token only when METRICS_PUBLIC=true says so', () => {
      const { METRICS_TOKEN: _token, ...withoutToken } = production;
      expect(problemsFor(withoutToken)).toEqual([expect.stringMatching(/^METRICS_TOKEN: is required/)]);
      expect(problemsFor({ ...withoutToken, METRICS_PUBLIC: 'true' })).toEqual([]);
    });

    it('hides /docs unless DOCS_ENABLED=true; elsewhere serves it unless DOCS_ENABLED=false', () => {
      const docs = (environment: Record<string, string>) => loadAppConfig(environment, '/nonexistent/.env').docsEnabled;
      expect([docs(production), docs({ ...production, DOCS_ENABLED: 'true' }), docs({}), docs({ DOCS_ENABLED: 'false' })]).toEqual([false, true, true, false]);
    });
  });

  it('lists the bootstrap key and the metrics token among the secrets, and reads TRUST_PROXY as Express expects', () => {
    const bootstrap = 'mb_abcd1234_0123456789abcdefghijABCDEFGHIJ-_0123';
    const config = loadAppConfig({ BOOTSTRAP_ADMIN_API_KEY: bootstrap, METRICS_TOKEN: 'metrics-token-0123456789' }, '/nonexistent/.env');
    expect(config.secrets()).toEqual(expect.arrayContaining([bootstrap, 'metrics-token-0123456789']));
    const trustProxy = (value: string) => loadAppConfig({ TRUST_PROXY: value }, '/nonexistent/.env').http.trustProxy;
    expect([trustProxy('false'), trustProxy('true'), trustProxy('2'), trustProxy('loopback, 10.0.0.0/8')]).toEqual([false, true, 2, 'loopback, 10.0.0.0/8']);
    expect(problemsFor({ BOOTSTRAP_ADMIN_API_KEY: 'mb_abcd1234_tooshort-secretvalue' })[0]).not.toContain('secretvalue');
  });
});
