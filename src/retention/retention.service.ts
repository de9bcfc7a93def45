import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Counter, Gauge } from 'prom-client';
import { databaseConfig, retentionConfig } from '../config/namespaces.js';
import { AdvisoryLock, tryWithAdvisoryLock } from '../database/advisory-lock.js';
import { NativeSql } from '../database/native-sql.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { runRetention, type RetentionRunResult } from './retention-run.js';

/**
 * Schedules the retention run (RETENTION_CRON) under its own advisory lock: with any number of
 * replicas one runs it, the others skip the tick. See docs/retention.md.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionService.name);
  private readonly deletedEvents: Counter;
  private readonly lastRunFinished: Gauge;

  constructor(
    @Inject(retentionConfig.KEY) private readonly retention: ConfigType<typeof retentionConfig>,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    private readonly sql: NativeSql,
    private readonly scheduler: SchedulerRegistry,
    metrics: MetricsService,
  ) {
    this.deletedEvents = new Counter({
      name: 'meterbridge_retention_deleted_events_total',
      help: 'Usage events this process rolled up into usage_daily and deleted',
      registers: [metrics.registry],
    });
    this.lastRunFinished = new Gauge({
      name: 'meterbridge_retention_last_run_timestamp_seconds',
      help: 'When this process last finished a retention run',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.retention.enabled) return;
    const job = CronJob.from({
      cronTime: this.retention.cron,
      timeZone: 'UTC',
      waitForCompletion: true,
      onTick: () => this.runIfIdle().then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error }, `retention tick failed: ${error instanceof Error ? error.message : String(error)}`),
      ),
    });
    // the registry stops every job it holds when the application shuts down
    this.scheduler.addCronJob('retention', job);
    job.start();
  }

  /** Runs retention unless another replica is running it (then null). */
  async runIfIdle(now = Date.now()): Promise<RetentionRunResult | null> {
    const outcome = await tryWithAdvisoryLock(this.database.url ?? '', AdvisoryLock.Retention, async () => {
      const result = await runRetention((text, values) => this.sql.query(text, values), this.retention.days, this.retention.batchSize, now);
      this.deletedEvents.inc(result.deleted);
      this.lastRunFinished.setToCurrentTime();
      if (result.deleted > 0) this.logger.log(`retention rolled up and deleted ${result.deleted} events older than ${result.horizon.toISOString()}`);
      return result;
    });
    return outcome.acquired ? outcome.result : null;
  }
}
