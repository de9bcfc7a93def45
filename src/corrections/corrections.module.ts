import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { NativeSql } from '../database/native-sql.js';
import { CorrectionsController } from './corrections.controller.js';
import { CorrectionsRepository } from './corrections.repository.js';
import { CorrectionsService } from './corrections.service.js';
import { EventTraceRepository } from './event-trace.repository.js';
import { EventTraceService } from './event-trace.service.js';
import { UsageCorrection } from './usage-correction.entity.js';
import { UsageEventsController } from './usage-events.controller.js';

/** Corrections of recorded usage (the append-only corrections ledger) and the trace of an event. */
@Module({
  imports: [MikroOrmModule.forFeature([UsageCorrection])],
  controllers: [CorrectionsController, UsageEventsController],
  providers: [NativeSql, CorrectionsRepository, CorrectionsService, EventTraceRepository, EventTraceService],
  exports: [CorrectionsService, EventTraceService],
})
export class CorrectionsModule {}
