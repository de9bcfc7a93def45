import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { NativeSql } from '../database/native-sql.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ReportingModule } from '../reporting/reporting.module.js';
import { InvoiceChecker } from './invoice-checker.service.js';
import { InvoiceVerification } from './invoice-verification.entity.js';
import { InvoiceVerificationRunner } from './invoice-verification.runner.js';
import { InvoiceVerificationService } from './invoice-verification.service.js';
import { InvoiceVerificationsController } from './invoice-verifications.controller.js';
import { InvoiceVerificationsRepository } from './invoice-verifications.repository.js';

/** Period close: draft invoices verified against the ledger, held when they disagree. */
@Module({
  imports: [ScheduleModule.forRoot(), ReportingModule, NotificationsModule, MikroOrmModule.forFeature([InvoiceVerification])],
  controllers: [InvoiceVerificationsController],
  providers: [NativeSql, InvoiceVerificationsRepository, InvoiceChecker, InvoiceVerificationRunner, InvoiceVerificationService],
  exports: [InvoiceVerificationService],
})
export class InvoiceVerificationModule {}
