import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config.js';
import { AdvisoryLock } from '../database/advisory-lock.js';
import { NativeSql } from '../database/native-sql.js';
import { advanceWatermark, lockWatermark } from '../database/transaction-watermark.js';
import { BillableUnitsService } from '../metering/billable-units.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from './notification-outbox.js';
import type { NotificationDraft } from './notification-types.js';
import { PeriodicJob } from './periodic-job.js';
import { UsageAlertsRepository, type CrossingRow } from './usage-alerts.repository.js';

export interface EvaluationSummary {
  /** false: another replica was evaluating; this pass did nothing. */
  ran: boolean;
  pairs: number;
  crossings: number;
}

const draftOf = (crossing: CrossingRow): NotificationDraft => ({
  type: 'usage.threshold_crossed',
  key: `${crossing.alertId}:${crossing.customerId}:${new Date(crossing.periodStart).toISOString()}`,
  data: {
    alertId: crossing.alertId,
    alertName: crossing.alertName,
    customerId: crossing.customerId,
    externalCustomerId: crossing.externalCustomerId,
    meter: crossing.meter,
    threshold: crossing.threshold,
    units: crossing.units,
    periodStart: new Date(crossing.periodStart).toISOString(),
    periodEnd: new Date(crossing.periodEnd).toISOString(),
  },
});

/**
 * Usage alerts are evaluated off the ingest path: every USAGE_ALERTS_EVALUATION_MS one replica
 * (transaction-level advisory lock) reads which customer × meter pairs got usage since its last
 * pass (by inserting transaction id, the reporter's watermark technique, so no event is missed
 * whatever order transactions commit in), recomputes their billable units for the current
 * period, and records each newly reached threshold together with its notification, all in one
 * transaction: the crossing's primary key makes it once per customer × alert × period.
 */
@Injectable()
export class UsageAlertEvaluator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    private readonly config: AppConfig,
    scheduler: SchedulerRegistry,
    private readonly sql: NativeSql,
    private readonly alerts: UsageAlertsRepository,
    private readonly billableUnits: BillableUnitsService,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: MetricsService,
  ) {
    this.job = new PeriodicJob(scheduler, 'usage-alert-evaluator', () => this.evaluate());
  }

  onApplicationBootstrap(): void {
    if (this.config.notifications.alertsEnabled) this.job.start(this.config.notifications.alertsEvaluationMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  evaluate(): Promise<EvaluationSummary> {
    return this.sql.transaction(async (query) => {
      const [lock] = await query<{ acquired: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS acquired', [AdvisoryLock.UsageAlerts]);
      if (!lock?.acquired) return { ran: false, pairs: 0, crossings: 0 };
      const { lo, hi } = await lockWatermark(query, 'usage_alert_watermark');
      const meterIds = await this.alerts.alertedMeterIds(query);
      const pairs = await this.billableUnits.ofChangedPairs(query, lo, hi, meterIds);
      const crossings = await this.alerts.recordCrossings(query, pairs);
      await this.outbox.enqueue(query, crossings.map(draftOf));
      await advanceWatermark(query, 'usage_alert_watermark', hi);
      this.metrics.countUsageAlertEvaluation(pairs.length, crossings.length);
      return { ran: true, pairs: pairs.length, crossings: crossings.length };
    });
  }
}
