import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { DatabaseModule } from '../database/database.module.js';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ReportingModule } from '../reporting/reporting.module.js';
import { InvoiceChecker } from './invoice-checker.service.js';
import { InvoiceVerification } from './invoice-verification.entity.js';
import { InvoiceVerificationRunner } from './invoice-verification.runner.js';
import { InvoiceVerificationService } from './invoice-verification.service.js';
import { InvoiceVerificationsController } from './invoice-verifications.controller.js';
import { INVOICE_VERIFICATION_READS, InvoiceVerificationsRepository } from './invoice-verifications.repository.js';

/** Period close: draft invoices verified against the ledger, held when they disagree. */
@Module({
  imports: [ScheduleModule.forRoot(), ReportingModule, NotificationsModule, MikroOrmModule.forFeature([InvoiceVerification]), DatabaseModule],
  controllers: [InvoiceVerificationsController],
  providers: [
    NativeSql,
    InvoiceVerificationsRepository,
    { provide: INVOICE_VERIFICATION_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new InvoiceVerificationsRepository(reads.sql) },
    InvoiceChecker,
    InvoiceVerificationRunner,
    InvoiceVerificationService,
  ],
  exports: [InvoiceVerificationService],
})
export class InvoiceVerificationModule {}
