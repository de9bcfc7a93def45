import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pLimit from 'p-limit';
import { DomainError } from '../common/errors/domain-error.js';
import { databaseConfig, reconciliationConfig, reportingConfig } from '../config/namespaces.js';
import { AdvisoryLock, tryWithAdvisoryLock, withAdvisoryLock } from '../database/advisory-lock.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { RateLimiter } from './rate-limiter.js';
import { ReconciliationReads } from './reconciliation-reads.js';
import { ReconciliationRepository, type DriftCell, type ReconciliationPair, type ReconciliationRunRecord, type StoredDrift } from './reconciliation.repository.js';
import { ReportingErrors } from './reporting.errors.js';

const DAY_MS = 24 * 3600 * 1000;

export interface ReconciliationOutcome {
  run: ReconciliationRunRecord;
  drifts: StoredDrift[];
}

export interface ReconciliationRange {
  from?: Date;
  to?: Date;
}

interface PairComparison {
  compared: number;
  drifts: DriftCell[];
  matched: { customerId: string; meterId: string; day: Date }[];
}

const dayStart = (time: number) => Math.floor(time / DAY_MS) * DAY_MS;

/**
 * Compares, per customer × meter × UTC day, the units local state says reached Stripe with
 * Stripe's meter event summaries (one day-grouped, paginated call per customer × meter), stores
 * the run and every difference, and marks the agreeing sent reports confirmed. Stripe's summaries
 * are eventually consistent: usage sent moments ago can show as a drift that the next run clears.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);
  private readonly limiter: RateLimiter;

  constructor(
    @Inject(reportingConfig.KEY) private readonly reporting: ConfigType<typeof reportingConfig>,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    @Inject(reconciliationConfig.KEY) private readonly reconciliation: ConfigType<typeof reconciliationConfig>,
    private readonly repository: ReconciliationRepository,
    private readonly localReads: ReconciliationReads,
    private readonly stripe: StripeGateway,
    private readonly outbox: NotificationOutbox,
    metrics: MetricsService,
  ) {
    this.limiter = new RateLimiter(reporting.maxRequestsPerSecond);
    metrics.watchReconciliationDrifts(() => repository.latestDriftCount());
  }

  /** Drifts of the latest finished run (0 before any run). */
  latestDriftCount(): Promise<number> {
    return this.repository.latestDriftCount();
  }

  /** Waits for a reconciliation running elsewhere, then runs. */
  run(range: ReconciliationRange): Promise<ReconciliationOutcome> {
    const { from, to } = this.resolveRange(range);
    return withAdvisoryLock(this.database.url ?? '', AdvisoryLock.Reconciliation, () => this.reconcile('api', from, to));
  }

  /** The daily cron: skipped when another replica is reconciling. */
  async runIfIdle(): Promise<ReconciliationOutcome | null> {
    const { from, to } = this.resolveRange({});
    const outcome = await tryWithAdvisoryLock(this.database.url ?? '', AdvisoryLock.Reconciliation, () => this.reconcile('cron', from, to));
    return outcome.acquired ? outcome.result : null;
  }

  /**
   * Whole UTC days, as Stripe's day grouping requires: `from` rounds down, `to` up. Default: the
   * configured number of days ending with today.
   */
  private resolveRange(range: ReconciliationRange): { from: Date; to: Date } {
    const today = dayStart(Date.now());
    const from = dayStart((range.from ?? new Date(today - (this.reconciliation.lookbackDays - 1) * DAY_MS)).getTime());
    const to = range.to ? Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS : today + DAY_MS;
    if (to <= from) throw new DomainError(ReportingErrors.RECONCILIATION_RANGE_INVALID, '`to` must be after `from`');
    if (to - from > 35 * DAY_MS) throw new DomainError(ReportingErrors.RECONCILIATION_RANGE_TOO_LONG, 'A reconciliation covers at most 35 days (what Stripe keeps countable)');
    return { from: new Date(from), to: new Date(to) };
  }

  private async reconcile(trigger: string, from: Date, to: Date): Promise<ReconciliationOutcome> {
    const runId = await this.repository.start(trigger, from, to);
    const totals: PairComparison = { compared: 0, drifts: [], matched: [] };
    try {
      const pairs = await this.localReads.localTotals(from, to);
      const limit = pLimit(this.reporting.concurrency);
      const comparisons = await Promise.all(pairs.map((pair) => limit(() => this.comparePair(pair, from, to))));
      for (const comparison of comparisons) {
        totals.compared += comparison.compared;
        totals.drifts.push(...comparison.drifts);
        totals.matched.push(...comparison.matched);
      }
      await this.repository.confirmMatched(totals.matched, from, to);
      const run = await this.repository.finish(runId, totals.compared, totals.drifts, null, (query, finished, drifts) =>
        this.outbox.enqueue(query, [
          {
            type: 'reconciliation.drift_found',
            key: finished.id,
            data: {
              runId: finished.id,
              from: new Date(finished.rangeFrom).toISOString(),
              to: new Date(finished.rangeTo).toISOString(),
              driftCount: finished.driftCount,
              drifts: drifts.map((drift) => ({ ...drift, day: new Date(drift.day).toISOString() })),
            },
          },
        ]),
      );
      return { run, drifts: await this.repository.drifts(runId) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, runId }, `reconciliation ${runId} failed: ${message}`);
      await this.repository.finish(runId, totals.compared, [], message);
      throw error;
    }
  }

  private async comparePair(pair: ReconciliationPair, from: Date, to: Date): Promise<PairComparison> {
    await this.limiter.acquire();
    const stripeByDay = await this.stripe.dailyMeterTotals(pair.stripeMeterId, pair.stripeCustomerId, from, to);
    const localByDay = new Map(Object.entries(pair.localByDay).map(([day, units]) => [Date.parse(day), units]));
    const days = [...new Set([...localByDay.keys(), ...stripeByDay.keys()])].sort((a, b) => a - b);
    const comparison: PairComparison = { compared: days.length, drifts: [], matched: [] };
    for (const day of days) {
      const localUnits = localByDay.get(day) ?? '0';
      const stripeUnits = String(stripeByDay.get(day) ?? 0);
      const cell = { customerId: pair.customerId, meterId: pair.meterId, day: new Date(day) };
      if (Number(localUnits) === Number(stripeUnits)) comparison.matched.push(cell);
      else comparison.drifts.push({ ...cell, localUnits, stripeUnits });
    }
    return comparison;
  }
}
