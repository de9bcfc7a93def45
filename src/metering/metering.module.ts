import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BillableUnitsService } from './billable-units.service.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';
import { Meter } from './meter.entity.js';
import { MetersController } from './meters.controller.js';
import { MetersRepository } from './meters.repository.js';
import { UsageEvent } from './usage-event.entity.js';
import { UsageEventsRepository } from './usage-events.repository.js';
import { UsageGroupCommit } from './usage-group-commit.service.js';
import { UsageRecorder } from './usage-recorder.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Meter, UsageEvent])],
  controllers: [MetersController, UsageController],
  providers: [
    MetersRepository,
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
