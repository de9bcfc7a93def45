import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { notificationsConfig } from '../config/namespaces.js';
import { AdvisoryLock } from '../database/advisory-lock.js';
import { NativeSql } from '../database/native-sql.js';
import { advanceWatermark, lockWatermark, type SqlQuery } from '../database/transaction-watermark.js';
import { mergePartials, unitsOf } from '../metering/billable-units.js';
import { BillableUnitsService, type PairChange } from '../metering/billable-units.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from './notification-outbox.js';
import type { NotificationDraft } from './notification-types.js';
import { PeriodicJob } from './periodic-job.js';
import { pairKey, UsageAlertUnitsRepository, type RunningUnits } from './usage-alert-units.repository.js';
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
 * (transaction-level advisory lock) reads the ledger rows (usage events, corrections) written
 * since its last pass (by inserting transaction id, the reporter's watermark technique, so no row
 * is missed whatever order transactions commit in) for the customer × meter pairs an alert
 * watches, adds them to each pair's running units of its current period (usage_alert_units;
 * recomputed from the ledger when the pair has none for that period), and records each newly
 * reached threshold together with its notification, all in one transaction: the crossing's
 * primary key makes it once per customer × alert × period. A pass costs what was written since
 * the last one, not the size of the period (docs/architecture.md, usage alerts).
 */
@Injectable()
export class UsageAlertEvaluator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    @Inject(notificationsConfig.KEY) private readonly notifications: ConfigType<typeof notificationsConfig>,
    scheduler: SchedulerRegistry,
    private readonly sql: NativeSql,
    private readonly alerts: UsageAlertsRepository,
    private readonly billableUnits: BillableUnitsService,
    private readonly runningUnits: UsageAlertUnitsRepository,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: MetricsService,
  ) {
    this.job = new PeriodicJob(scheduler, 'usage-alert-evaluator', () => this.evaluate());
  }

  onApplicationBootstrap(): void {
    if (this.notifications.alertsEnabled) this.job.start(this.notifications.alertsEvaluationMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  evaluate(): Promise<EvaluationSummary> {
    const started = performance.now();
    return this.sql.transaction(async (query) => {
      const [lock] = await query<{ acquired: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS acquired', [AdvisoryLock.UsageAlerts]);
      if (!lock?.acquired) return { ran: false, pairs: 0, crossings: 0 };
      const { lo, hi } = await lockWatermark(query, 'usage_alert_watermark');
      const changes = await this.billableUnits.changesOfPairs(query, lo, hi, await this.alerts.watchedPairs(query));
      const running = await this.addChanges(query, changes, hi);
      await this.runningUnits.save(query, running);
      const pairs = running.map((pair, index) => ({ ...pair, units: unitsOf(changes[index]!.aggregation, pair.partial) }));
      const crossings = await this.alerts.recordCrossings(query, pairs);
      await this.outbox.enqueue(query, crossings.map(draftOf));
      await advanceWatermark(query, 'usage_alert_watermark', hi);
      this.metrics.countUsageAlertEvaluation(pairs.length, crossings.length, (performance.now() - started) / 1000);
      return { ran: true, pairs: pairs.length, crossings: crossings.length };
    });
  }

  /**
   * Each changed pair's running units after the pass (in the order of `changes`): the stored ones
   * plus the new rows when they are of the same period; else every row of the period below `hi`
   * (the new rows included), from the ledger.
   */
  private async addChanges(query: SqlQuery, changes: PairChange[], hi: string): Promise<RunningUnits[]> {
    const periods = changes.map(({ customerId, meterId, periodStart, periodEnd }) => ({ customerId, meterId, periodStart: new Date(periodStart), periodEnd: new Date(periodEnd) }));
    const stored = await this.runningUnits.ofCurrentPeriods(query, periods);
    const unknown = periods.filter((period) => !stored.has(pairKey(period)));
    const recomputed = await this.billableUnits.partialsOfPeriods(query, unknown.map((period) => ({ key: pairKey(period), ...period })), hi);
    return periods.map((period, index) => {
      const key = pairKey(period);
      const before = stored.get(key);
      return { ...period, partial: before ? mergePartials(before, changes[index]!.partial) : recomputed.get(key)!.partial };
    });
  }
}
