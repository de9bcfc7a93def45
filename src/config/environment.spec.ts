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
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, LOG_LEVEL: 'info', DATABASE_POOL_MAX: 10 });
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
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_POOL_MAX', '0'],
    ['STRIPE_SECRET_KEY', 'pk_test_123'],
    ['STRIPE_WEBHOOK_SECRET', 'secret'],
    ['REDIS_URL', 'http://localhost'],
    ['HTTP_BODY_LIMIT', 'huge'],
    ['STRIPE_MAX_NETWORK_RETRIES', 'many'],
    ['STRIPE_TIMEOUT_MS', '5'],
    ['STRIPE_EMULATOR_PORT', 'x'],
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

  it('requires a real database and a real Stripe key in production', () => {
    const problems = problemsFor({ NODE_ENV: 'production' });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'STRIPE_SECRET_KEY']);
  });
});
