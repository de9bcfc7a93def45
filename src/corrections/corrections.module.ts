import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DatabaseModule } from '../database/database.module.js';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { CorrectionsController } from './corrections.controller.js';
import { CorrectionsRepository } from './corrections.repository.js';
import { CorrectionsService } from './corrections.service.js';
import { EVENT_TRACE_READS, EventTraceRepository } from './event-trace.repository.js';
import { EventTraceService } from './event-trace.service.js';
import { UsageCorrection } from './usage-correction.entity.js';
import { UsageEventsController } from './usage-events.controller.js';

/** Corrections of recorded usage (the append-only corrections ledger) and the trace of an event. */
@Module({
  imports: [MikroOrmModule.forFeature([UsageCorrection]), DatabaseModule],
  controllers: [CorrectionsController, UsageEventsController],
  providers: [
    NativeSql,
    CorrectionsRepository,
    CorrectionsService,
    EventTraceRepository,
    // the trace reads on the request-reads pool (DATABASE_READ_URL when set: docs/read-routing.md)
    { provide: EVENT_TRACE_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new EventTraceRepository(reads.sql) },
    EventTraceService,
  ],
  exports: [CorrectionsService, EventTraceService],
})
export class CorrectionsModule {}
