import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { HealthController } from './health.controller.js';
import { MigrationsHealthIndicator } from './migrations.health.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';
import { ShutdownState } from './shutdown-state.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DatabaseModule, AuthModule],
  controllers: [HealthController],
  providers: [MigrationsHealthIndicator, RateLimitStoreHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
