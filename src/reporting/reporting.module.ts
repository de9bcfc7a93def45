import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { MeterEventSender } from './meter-event.sender.js';
import { NativeSql } from '../database/native-sql.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { ReconciliationDrift } from './reconciliation-drift.entity.js';
import { ReconciliationRun } from './reconciliation-run.entity.js';
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
  imports: [ScheduleModule.forRoot(), NotificationsModule, MikroOrmModule.forFeature([UsageReport, ReportQueueEntry, ReportCancellation, ReportDelivery, ReporterWatermark, ReporterRun, ReconciliationRun, ReconciliationDrift])],
  controllers: [ReportingController, ReconciliationController],
  providers: [
    NativeSql,
    UsageReportsRepository,
    ReportCancellationsRepository,
    ReporterRunsRepository,
    ReportingStatusRepository,
    ReconciliationRepository,
    MeterEventSender,
    ReportFailuresService,
    ReportingService,
    { provide: PeriodFlush, useExisting: ReportingService },
    ReconciliationService,
    ReporterCron,
  ],
  exports: [ReportingService, PeriodFlush],
})
export class ReportingModule {}
