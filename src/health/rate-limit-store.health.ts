import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RATE_LIMIT_STORAGE } from '../auth/rate-limit.guard.js';
import type { RateLimitStoreHealth } from '../auth/rate-limit-store.js';

/**
 * Shows, never fails: with Redis down the limiter still counts (in the process), and taking every
 * replica out of the load balancer over it would turn a degraded limit into an outage.
 */
@Injectable()
export class RateLimitStoreHealthIndicator {
  constructor(
    @Inject(RATE_LIMIT_STORAGE) private readonly store: RateLimitStoreHealth,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const degradation = this.store.degradation();
    const indicator = this.indicators.check(key);
    if (!degradation) return indicator.up();
    return indicator.up({ degraded: true, counting: 'in-process', since: degradation.since.toISOString(), reason: degradation.reason });
  }
}
