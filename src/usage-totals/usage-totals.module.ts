import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { UsageTotalsController } from './usage-totals.controller.js';
import { UsageTotalsRepository } from './usage-totals.repository.js';
import { UsageTotalsService } from './usage-totals.service.js';

/**
 * The usage totals read model: a read module over the ledger (metering, corrections) and what
 * reached Stripe (reporting), which may read their tables and writes none. Its query, whose window
 * the caller picks, runs on the small request-reads pool (see RequestReadsDatabase).
 */
@Module({
  imports: [DatabaseModule],
  controllers: [UsageTotalsController],
  providers: [{ provide: UsageTotalsRepository, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new UsageTotalsRepository(reads.orm) }, UsageTotalsService],
})
export class UsageTotalsModule {}
