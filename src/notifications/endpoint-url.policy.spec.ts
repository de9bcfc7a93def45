import { loadAppConfig } from '../config/app-config.js';
import { EndpointUrlPolicy } from './endpoint-url.policy.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/meterbridge',
  STRIPE_SECRET_KEY: 'sk_live_x',
  NOTIFICATION_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
  STRIPE_WEBHOOK_SECRET: 'whsec_x',
  METRICS_TOKEN: 'metrics-token-0123456789',
};

const policy = (environment: Record<string, string>) => new EndpointUrlPolicy(loadAppConfig(environment, '/nonexistent/.env').notifications);

const refusal = (target: EndpointUrlPolicy, url: string) =>
  target.check(url).then(
    () => null,
    (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
  );

describe('EndpointUrlPolicy', () => {
  it('requires https in production and refuses private, loopback and metadata addresses there', async () => {
    const production = policy(PRODUCTION);
    expect(await refusal(production, 'http://93.184.215.14/hook')).toBe('NOTIFICATION_ENDPOINT_URL_INVALID: The endpoint URL must use https://');
    expect(await refusal(production, 'https://93.184.215.14/hook')).toBeNull();
    for (const url of ['https://10.1.2.3/', 'https://127.0.0.1/', 'https://[::1]/', 'https://169.254.169.254/', 'https://[fe80::1]/', 'https://192.168.0.10/']) {
      expect(await refusal(production, url)).toMatch(/^NOTIFICATION_ENDPOINT_URL_INVALID: The endpoint URL resolves to /);
    }
  });

  it('lets through the networks NOTIFICATION_URL_ALLOWED_NETWORKS lists, and only those', async () => {
    const allowing = policy({ ...PRODUCTION, NOTIFICATION_URL_ALLOWED_NETWORKS: '10.0.0.0/8' });
    expect(await refusal(allowing, 'https://10.1.2.3/hook')).toBeNull();
    expect(await refusal(allowing, 'https://192.168.0.10/hook')).not.toBeNull();
    expect(await refusal(allowing, 'https://169.254.169.254/')).not.toBeNull();
  });

  it('allows http and loopback or private receivers outside production, never the metadata address', async () => {
    const development = policy({ NODE_ENV: 'development' });
    expect(await refusal(development, 'http://127.0.0.1:8080/hook')).toBeNull();
    expect(await refusal(development, 'http://10.0.0.5/hook')).toBeNull();
    expect(await refusal(development, 'http://169.254.169.254/latest/meta-data')).not.toBeNull();
  });
});
