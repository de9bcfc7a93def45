import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { BillableUnitsService } from './billable-units.service.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';
import { Meter } from './meter.entity.js';
import { MetersController } from './meters.controller.js';
import { METER_READS, MetersRepository } from './meters.repository.js';
import { UsageEvent } from './usage-event.entity.js';
import { UsageEventsRepository } from './usage-events.repository.js';
import { UsageGroupCommit } from './usage-group-commit.service.js';
import { UsageRecorder } from './usage-recorder.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Meter, UsageEvent]), DatabaseModule],
  controllers: [MetersController, UsageController],
  providers: [
    MetersRepository,
    { provide: METER_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new MetersRepository(reads.orm.em) },
    MeterCatalogueService,
    UsageEventsRepository,
    UsageRecorder,
    UsageGroupCommit,
    UsageService,
    BillableUnitsService,
  ],
  exports: [MeterCatalogueService, BillableUnitsService],
})
export class MeteringModule {}
