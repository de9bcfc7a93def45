import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MigrationService } from '../database/migration.service.js';

@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    private readonly migrations: MigrationService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async noPendingMigration(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      const pending = await this.migrations.pendingMigrations();
      return pending.length === 0 ? indicator.up() : indicator.down({ pending });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
