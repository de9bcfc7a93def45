import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { MeterEventSender } from './meter-event.sender.js';
import { DatabaseModule } from '../database/database.module.js';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PlacedUnitsService } from './placed-units.service.js';
import { RetentionModule } from '../retention/retention.module.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { ReconciliationDrift } from './reconciliation-drift.entity.js';
import { ReconciliationRun } from './reconciliation-run.entity.js';
import { ReconciliationReads } from './reconciliation-reads.js';
import { ReconciliationRepository } from './reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';
import { ReportFailuresService } from './report-failures.service.js';
import { ReporterCron } from './reporter.cron.js';
import { ReporterRun } from './reporter-run.entity.js';
import { ReporterRunsRepository } from './reporter-runs.repository.js';
import { ReporterWatermark } from './reporter-watermark.entity.js';
import { ReportCancellation } from './report-cancellation.entity.js';
import { ReportCancellationsRepository } from './report-cancellations.repository.js';
import { ReportDelivery } from './report-delivery.entity.js';
import { ReportQueueEntry } from './report-queue-entry.entity.js';
import { ReportingStatusRepository } from './reporting-status.repository.js';
import { ReportingController } from './reporting.controller.js';
import { ReportingService } from './reporting.service.js';
import { UsageReport } from './usage-report.entity.js';
import { UsageReportsRepository } from './usage-reports.repository.js';
import { PeriodFlush } from '../subscriptions/period-flush.port.js';

/** Usage → Stripe meter events (claim, deliver), its schedule, status and reconciliation. */
@Module({
  imports: [ScheduleModule.forRoot(), DatabaseModule, NotificationsModule, RetentionModule, MikroOrmModule.forFeature([UsageReport, ReportQueueEntry, ReportCancellation, ReportDelivery, ReporterWatermark, ReporterRun, ReconciliationRun, ReconciliationDrift])],
  controllers: [ReportingController, ReconciliationController],
  providers: [
    NativeSql,
    UsageReportsRepository,
    ReportCancellationsRepository,
    ReporterRunsRepository,
    // status reads on the request-reads pool (DATABASE_READ_URL when set: docs/read-routing.md)
    { provide: ReportingStatusRepository, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new ReportingStatusRepository(reads.sql) },
    ReconciliationRepository,
    ReconciliationReads,
    MeterEventSender,
    ReportFailuresService,
    ReportingService,
    { provide: PeriodFlush, useExisting: ReportingService },
    ReconciliationService,
    ReporterCron,
    PlacedUnitsService,
  ],
  exports: [ReportingService, ReconciliationService, PeriodFlush, PlacedUnitsService],
})
export class ReportingModule {}
