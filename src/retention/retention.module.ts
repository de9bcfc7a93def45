import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import type { ConfigType } from '@nestjs/config';
import { retentionConfig } from '../config/namespaces.js';
import { DatabaseModule } from '../database/database.module.js';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RetentionState } from './retention-state.entity.js';
import { RetentionStatusReader } from './retention-status.js';
import { RetentionService } from './retention.service.js';
import { UsageDaily } from './usage-daily.entity.js';

/** The bounded ledger: the retention run, its schedule and its state (docs/retention.md). */
@Module({
  imports: [ScheduleModule.forRoot(), DatabaseModule, MikroOrmModule.forFeature([UsageDaily, RetentionState])],
  providers: [
    NativeSql,
    RetentionService,
    // the state is a request read: on the request-reads pool (DATABASE_READ_URL when set)
    {
      provide: RetentionStatusReader,
      inject: [retentionConfig.KEY, RequestReadsDatabase, MetricsService],
      useFactory: (retention: ConfigType<typeof retentionConfig>, reads: RequestReadsDatabase, metrics: MetricsService) =>
        new RetentionStatusReader(retention, reads.sql, metrics),
    },
  ],
  exports: [RetentionService, RetentionStatusReader],
})
export class RetentionModule {}
