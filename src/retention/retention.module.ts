import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { NativeSql } from '../database/native-sql.js';
import { RetentionState } from './retention-state.entity.js';
import { RetentionStatusReader } from './retention-status.js';
import { RetentionService } from './retention.service.js';
import { UsageDaily } from './usage-daily.entity.js';

/** The bounded ledger: the retention run, its schedule and its state (docs/retention.md). */
@Module({
  imports: [ScheduleModule.forRoot(), MikroOrmModule.forFeature([UsageDaily, RetentionState])],
  providers: [NativeSql, RetentionService, RetentionStatusReader],
  exports: [RetentionService, RetentionStatusReader],
})
export class RetentionModule {}
