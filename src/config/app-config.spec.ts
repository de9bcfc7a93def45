import { loadAppConfig } from './app-config';

describe('AppConfig', () => {
  const config = loadAppConfig({ DATABASE_URL: 'postgres://u@h/db', REPORTER_ENABLED: 'true' }, '/nonexistent/.env');

  it('turns every background job off for one-shot processes, leaving the original untouched', () => {
    const cli = config.withoutBackgroundJobs();
    expect([cli.reporting.enabled, cli.reconciliation.enabled, cli.webhooks.retryEnabled]).toEqual([false, false, false]);
    expect(cli.database.url).toBe('postgres://u@h/db');
    expect(cli).toBeInstanceOf(config.constructor);
    expect([config.reporting.enabled, config.webhooks.retryEnabled]).toEqual([true, true]);
  });

  it('replaces only the database url', () => {
    const moved = config.withDatabaseUrl('postgres://other/db');
    expect(moved.database).toEqual({ ...config.database, url: 'postgres://other/db' });
    expect(moved.stripe).toBe(config.stripe);
  });
});
