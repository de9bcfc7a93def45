import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { reconciliationConfig, reportingConfig } from '../config/namespaces.js';
import { ReconciliationService } from './reconciliation.service.js';
import { ReportingService } from './reporting.service.js';

/**
 * The reporter and reconciliation schedules, from config (so they are registered here rather
 * than with a static @Cron). Each tick takes its advisory lock with a try: when another replica
 * holds it the tick is skipped, never queued; a tick still running makes the next one wait.
 */
@Injectable()
export class ReporterCron implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReporterCron.name);

  constructor(
    @Inject(reportingConfig.KEY) private readonly reporterSchedule: ConfigType<typeof reportingConfig>,
    @Inject(reconciliationConfig.KEY) private readonly reconciliationSchedule: ConfigType<typeof reconciliationConfig>,
    private readonly scheduler: SchedulerRegistry,
    private readonly reporting: ReportingService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.reporterSchedule.enabled) this.schedule('reporter', this.reporterSchedule.cron, () => this.reporting.runIfIdle());
    if (this.reconciliationSchedule.enabled) this.schedule('reconciliation', this.reconciliationSchedule.cron, () => this.reconciliation.runIfIdle());
  }

  private schedule(name: string, expression: string, tick: () => Promise<unknown>): void {
    const job = CronJob.from({
      cronTime: expression,
      timeZone: 'UTC',
      waitForCompletion: true,
      onTick: async () => {
        try {
          await tick();
        } catch (error) {
          this.logger.error({ err: error }, `${name} tick failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
    // the registry stops every job it holds when the application shuts down
    this.scheduler.addCronJob(name, job);
    job.start();
  }
}
