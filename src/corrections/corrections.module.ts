import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { CorrectionsController } from './corrections.controller.js';
import { CorrectionsRepository } from './corrections.repository.js';
import { CorrectionsService } from './corrections.service.js';
import { UsageCorrection } from './usage-correction.entity.js';

/** Corrections of recorded usage: the append-only corrections ledger and its routes. */
@Module({
  imports: [MikroOrmModule.forFeature([UsageCorrection])],
  controllers: [CorrectionsController],
  providers: [CorrectionsRepository, CorrectionsService],
})
export class CorrectionsModule {}
