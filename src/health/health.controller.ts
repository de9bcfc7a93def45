import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';

import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/scopes.decorator.js';
import { HealthCheck, HealthCheckService, MikroOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { DomainError } from '../common/errors/domain-error.js';
import { MigrationsHealthIndicator } from './migrations.health.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';
import { ShutdownState } from './shutdown-state.js';
import { HealthErrors } from './health.errors.js';

@ApiTags('health')
@Public()
// probes come every few seconds from every kubelet: they are never rate-limited
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MikroOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly rateLimitStore: RateLimitStoreHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers; no dependency is checked, so a database outage never restarts pods. */
  @Get('live')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process answers' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: the database answers and the schema is fully migrated; 503 names the failing checks.
   * `rateLimitStore` is shown (degraded while Redis does not answer) but never fails the probe.
   */
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness: database up and schema migrated (503 NOT_READY names the failing checks)' })
  @ApiErrors(HealthErrors.NOT_READY)
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const since = this.shutdown.shuttingDownSince;
    if (since) throw new DomainError(HealthErrors.NOT_READY, 'failing checks: shutdown', [{ check: 'shutdown', status: 'down', since: since.toISOString() }]);
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1500 }),
        () => this.migrations.noPendingMigration('migrations'),
        () => this.rateLimitStore.check('rateLimitStore'),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failing = (error.getResponse() as HealthCheckResult).error ?? {};
      const checks = Object.entries(failing).map(([check, state]) => ({ check, ...state }));
      throw new DomainError(HealthErrors.NOT_READY, `failing checks: ${Object.keys(failing).join(', ')}`, checks);
    }
  }
}
