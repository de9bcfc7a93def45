import { Module } from '@nestjs/common';
import { UnparsedBodyGuard } from '../common/http/unparsed-body.guard.js';
import { APP_GUARD } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { ConfigType } from '@nestjs/config';
import { rateLimitConfig } from '../config/namespaces.js';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ApiKey } from './api-key.entity.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { API_KEY_READS, ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { RATE_LIMIT_STORAGE, RateLimitGuard } from './rate-limit.guard.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/**
 * API keys and the global guards. Order matters: Nest runs APP_GUARDs in the order they are
 * provided. The rate limiter counts per verified key, so ApiKeyGuard comes first; a body that could
 * not be parsed is refused last, so an unauthenticated caller learns nothing about parsing.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ApiKey]), DatabaseModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    { provide: API_KEY_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new ApiKeysRepository(reads.orm.em) },
    ApiKeysService,
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [rateLimitConfig.KEY, MetricsService],
      useFactory: ({ redisUrl, redisTimeoutMs, expectedReplicas }: ConfigType<typeof rateLimitConfig>, metrics: MetricsService) => {
        const storage = redisUrl ? new RedisThrottlerStorage(redisUrl, { timeoutMs: redisTimeoutMs, expectedReplicas }) : new MemoryThrottlerStorage();
        metrics.watchRateLimitStore(() => storage.degradation() !== undefined);
        return storage;
      },
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: UnparsedBodyGuard },
  ],
  exports: [ApiKeysService, RATE_LIMIT_STORAGE],
})
export class AuthModule {}
