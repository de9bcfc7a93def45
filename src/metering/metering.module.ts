import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BillableUnitsService } from './billable-units.service.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';
import { Meter } from './meter.entity.js';
import { MetersController } from './meters.controller.js';
import { MetersRepository } from './meters.repository.js';
import { UsageEvent } from './usage-event.entity.js';
import { USAGE_READS_REPOSITORY, UsageEventsRepository } from './usage-events.repository.js';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { UsageGroupCommit } from './usage-group-commit.service.js';
import { UsageRecorder } from './usage-recorder.service.js';
import { UsageTotalsService } from './usage-totals.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Meter, UsageEvent]), DatabaseModule],
  controllers: [MetersController, UsageController],
  providers: [
    MetersRepository,
    MeterCatalogueService,
    UsageEventsRepository,
    // the totals query, whose window the caller picks, runs on the small request-reads pool (see RequestReadsDatabase)
    { provide: USAGE_READS_REPOSITORY, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new UsageEventsRepository(reads.orm) },
    UsageRecorder,
    UsageGroupCommit,
    UsageService,
    UsageTotalsService,
    BillableUnitsService,
  ],
  exports: [MeterCatalogueService, BillableUnitsService, UsageTotalsService],
})
export class MeteringModule {}
