import { Inject, Injectable } from '@nestjs/common';
import { ConfigService, type ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { loadAppConfig } from './app-config';
import { configModuleFor } from './config.module';
import { rateLimitConfig, reportingConfig } from './namespaces';

@Injectable()
class ReportingSettingsReader {
  constructor(
    @Inject(reportingConfig.KEY) readonly reporting: ConfigType<typeof reportingConfig>,
    @Inject(rateLimitConfig.KEY) readonly rateLimit: ConfigType<typeof rateLimitConfig>,
  ) {}
}

async function appWith(environment: Record<string, string>) {
  const config = loadAppConfig({ NODE_ENV: 'test', ...environment }, '/nonexistent/.env');
  return Test.createTestingModule({ imports: [configModuleFor(config)], providers: [ReportingSettingsReader] }).compile();
}

describe('configModuleFor', () => {
  it('injects each app its own namespaces, two apps in one process, without reading or writing process.env', async () => {
    const environmentBefore = { ...process.env };
    process.env.REPORTER_PAGE_SIZE = '7';
    try {
      const first = await appWith({ REPORTER_PAGE_SIZE: '11', REDIS_URL: 'redis://first:6379' });
      const second = await appWith({ REPORTER_PAGE_SIZE: '22', REPORTER_USE_V2_STREAM: 'true' });

      const [one, two] = [first.get(ReportingSettingsReader), second.get(ReportingSettingsReader)];
      expect([one.reporting.pageSize, one.reporting.useV2Stream, one.rateLimit.redisUrl]).toEqual([11, false, 'redis://first:6379']);
      expect([two.reporting.pageSize, two.reporting.useV2Stream, two.rateLimit.redisUrl]).toEqual([22, true, undefined]);
      expect(second.get(ConfigService).get('reporting.pageSize')).toBe(22);
      expect(second.get(ConfigService).get('REPORTER_PAGE_SIZE')).toBeUndefined();
      expect(process.env).toEqual({ ...environmentBefore, REPORTER_PAGE_SIZE: '7' });
      await Promise.all([first.close(), second.close()]);
    } finally {
      delete process.env.REPORTER_PAGE_SIZE;
    }
  });
});
