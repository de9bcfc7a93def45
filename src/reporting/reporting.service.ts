import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig, reportingConfig } from '../config/namespaces.js';
import type { PeriodFlush } from '../subscriptions/period-flush.port.js';
import { AdvisoryLock, tryWithAdvisoryLock, withAdvisoryLock, type LockHold } from '../database/advisory-lock.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { meterEventParts } from './meter-event-parts.js';
import { MeterEventSender, type DeliveryOutcome } from './meter-event.sender.js';
import { ReportCancellationsRepository, type CancellationDecision } from './report-cancellations.repository.js';
import { ReporterRunsRepository, type HourlyRunTotals, type RunCounts, type RunRecord, type RunTrigger } from './reporter-runs.repository.js';
import { ReportingStatusRepository } from './reporting-status.repository.js';
import { RetentionStatusReader } from '../retention/retention-status.js';
import { toStatusResponse, type ReportingStatusResponse } from './reporting.response.js';
import { ReportFailuresService, type StripeRejection } from './report-failures.service.js';
import { UsageReportsRepository } from './usage-reports.repository.js';

export type { StripeRejection } from './report-failures.service.js';

/** Failed reports and negative periods the status lists. */
const RECENT_ROWS = 100;
/** How long a run waits for transactions already running when it starts (usually milliseconds). */
const OLDER_TRANSACTIONS_WAIT_MS = 5000;

/**
 * A run that lost the reporter lock stops before its next step that reaches Stripe or records a
 * cancel decision: another replica may hold the lock by then, and two runs cancelling and sending
 * the same window's corrections could each decide what a report carries and send it under one
 * identifier, of which Stripe keeps the first value.
 */
function stillHeld(hold: LockHold): void {
  if (!hold.held) throw new Error('the reporter lock was lost (PostgreSQL dropped its connection): this run stops here and the next run goes on');
}

/**
 * The reporter: claim (usage events → report rows), then deliver (pending rows → Stripe). Every
 * entry point (cron, POST /v1/reporting/runs, flushPeriod) runs this under the Reporter advisory
 * lock, so one runner works at a time across every replica.
 */
@Injectable()
export class ReportingService implements OnModuleDestroy, PeriodFlush {
  private readonly logger = new Logger(ReportingService.name);
  private stopping = false;
  private current: Promise<unknown> | null = null;

  constructor(
    @Inject(reportingConfig.KEY) private readonly reporting: ConfigType<typeof reportingConfig>,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    private readonly reports: UsageReportsRepository,
    private readonly runs: ReporterRunsRepository,
    private readonly statusRows: ReportingStatusRepository,
    private readonly retention: RetentionStatusReader,
    private readonly sender: MeterEventSender,
    private readonly metrics: MetricsService,
    private readonly failures: ReportFailuresService,
    private readonly cancellations: ReportCancellationsRepository,
  ) {}

  /** Runs now, waiting for another replica's run to end first. */
  run(trigger: Exclude<RunTrigger, 'flush'>): Promise<RunRecord> {
    return this.locked((hold) => this.runLocked(trigger, null, hold));
  }

  /** The cron's entry: skips this beat when another replica is running. */
  async runIfIdle(): Promise<RunRecord | null> {
    if (this.stopping) return null;
    const outcome = await tryWithAdvisoryLock(this.databaseUrl, AdvisoryLock.Reporter, (hold) => this.guarded(() => this.runLocked('cron', null, hold)));
    return outcome.acquired ? outcome.result : null;
  }

  /**
   * Reports everything pending for a subscription's period ending at `periodEnd` right away
   * (called on `invoice.created`, before Stripe finalizes the invoice). `subscription` is our id
   * or Stripe's `sub_…` id. New usage is claimed first, so the period's latest events go too.
   */
  async flushPeriod(subscription: string, periodEnd: Date): Promise<RunRecord> {
    const periodIds = await this.reports.periodsEndingAt(subscription, periodEnd);
    return this.locked((hold) => this.runLocked('flush', periodIds, hold));
  }

  /** Reports Stripe refused asynchronously become failed, visible in status; returns how many matched. */
  recordStripeRejections(rejections: StripeRejection[]): Promise<number> {
    return this.failures.recordRejections(rejections);
  }

  /** Backlog, late usage, the last run, failed reports and periods below zero; also refreshes the backlog gauges. */
  async status(): Promise<ReportingStatusResponse> {
    const asOf = await this.statusRows.asOf();
    const [backlog, lastRun, failures, negative, retention] = await Promise.all([
      this.statusRows.backlog(),
      this.runs.latest(),
      this.statusRows.recentFailures(RECENT_ROWS),
      this.statusRows.negativePeriods(RECENT_ROWS),
      this.retention.read(),
    ]);
    const status = { asOf, ...toStatusResponse({ backlog, lastRun, failures, negative, retention }) };
    this.metrics.setBacklog(status.backlog.events, status.backlog.oldestPendingAgeSeconds ?? 0);
    return status;
  }

  /** What the runs of each of the last `hours` hours did (the console's Overview charts). */
  hourlyRuns(hours: number): Promise<HourlyRunTotals[]> {
    return this.runs.hourly(hours);
  }

  /** Shutdown: the current page finishes (no new retries), then the lock is released. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.sender.stop();
    await this.current?.catch(() => undefined);
  }

  private get databaseUrl(): string {
    return this.database.url ?? '';
  }

  private async locked(work: (hold: LockHold) => Promise<RunRecord>): Promise<RunRecord> {
    const waitStarted = performance.now();
    return withAdvisoryLock(this.databaseUrl, AdvisoryLock.Reporter, (hold) => {
      this.metrics.observeLockWait('reporter', (performance.now() - waitStarted) / 1000);
      return this.guarded(() => work(hold));
    });
  }

  /** Remembers the run holding the lock, so shutdown can wait for it. */
  private guarded<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.current = running;
    return running.finally(() => {
      if (this.current === running) this.current = null;
    });
  }

  private async runLocked(trigger: RunTrigger, periodIds: string[] | null, hold: LockHold): Promise<RunRecord> {
    const runId = await this.runs.start(trigger);
    const counts: RunCounts = { claimedEvents: '0', claimedReports: 0, released: 0, sent: 0, failed: 0, retryLater: 0 };
    try {
      await this.reports.waitForOlderTransactions(OLDER_TRANSACTIONS_WAIT_MS);
      const claimed = await this.reports.claimNewEvents();
      const released = await this.reports.releaseHeld();
      Object.assign(counts, { claimedEvents: claimed.events, claimedReports: claimed.reports, released: released.reports });
      await this.reports.reclassifyStale();
      const later = await this.cancelCorrectedEvents(periodIds, hold);
      await this.deliverPending(periodIds, counts, later, hold);
      // a run that lost its lock ends failed, even where it had nothing left to send
      stillHeld(hold);
      return await this.runs.finish(runId, counts, null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, runId }, `reporter run ${runId} failed: ${message}`);
      await this.runs.finish(runId, counts, message);
      throw error;
    }
  }

  /**
   * Pending reports in bounded pages, oldest first (keyset on id, so a report left pending is not
   * seen twice in one run). The database work overlaps Stripe's: the next page is read and the
   * previous page's statuses written while the current page is being sent, so at most three pages
   * are in memory. Each page's statuses take three statements at most.
   */
  private async deliverPending(periodIds: string[] | null, counts: RunCounts, later: string[], hold: LockHold): Promise<void> {
    const readAfter = (cursor: string) => this.reports.pendingPage(cursor, this.reporting.pageSize, periodIds, later);
    let page = await readAfter('0');
    let recording: Promise<void> = Promise.resolve();
    try {
      while (page.length > 0 && !this.stopping) {
        const next = readAfter(page[page.length - 1]!.id);
        next.catch(() => undefined);
        stillHeld(hold);
        const outcome = await this.sender.send(page, hold);
        await recording;
        recording = this.record(outcome, counts);
        page = await next;
      }
    } finally {
      await recording;
    }
  }

  /**
   * A pending report carrying corrections in an open period first cancels the meter events of its
   * window's earlier reports (each part by identifier; Stripe takes a cancel within 24 hours of
   * receiving the event) and then carries their values on top of its own units: Stripe ends up
   * with the window's corrected total under the new report's identifier. Where Stripe refuses
   * the cancel because it counted the event more than 24 hours ago, the report carries only its
   * own difference: a compensating (maybe negative) event. An earlier report Stripe refused
   * (failed) was never counted: the correction's report takes it over and carries its value too,
   * so Stripe never holds a difference computed against units it does not have. Every decision
   * is recorded before the report is sent, so a run after a crash cancels again (Stripe answers a
   * repeated cancel the same) and sends the same value under the same identifier. A report whose
   * window still has an earlier report waiting to be sent waits too: until that one is delivered
   * or refused, what to cancel and carry is not known, and a decision must never change once the
   * report may have reached Stripe. Returns the reports to leave for a later run (a cancel still
   * undecided, or an earlier report of the window still pending).
   */
  private async cancelCorrectedEvents(periodIds: string[] | null, hold: LockHold): Promise<string[]> {
    const later = new Set(await this.cancellations.waitingForEarlierReports(periodIds));
    const decisions: CancellationDecision[] = [];
    for (const candidate of await this.cancellations.candidates(periodIds)) {
      if (later.has(candidate.byReportId) || this.stopping) {
        later.add(candidate.byReportId);
        continue;
      }
      const parts = meterEventParts(candidate.identifier, candidate.sentUnits);
      for (const [part, event] of parts.entries()) {
        if (candidate.decidedParts.includes(part)) continue;
        stillHeld(hold);
        // a failed one-part report: its only meter event is the one Stripe refused
        const answer = candidate.failed && parts.length === 1 ? 'refused' : await this.sender.cancel(candidate.eventName, event.identifier, hold);
        if (answer === 'transient') {
          later.add(candidate.byReportId);
          break;
        }
        const carried = answer === 'cancelled' || candidate.refusalMeansUncounted;
        // a last meter's report states the window's latest value itself: nothing to carry over
        const value = carried && candidate.aggregation !== 'last' ? event.value : '0';
        decisions.push({ reportId: candidate.reportId, part, byReportId: candidate.byReportId, cancelled: carried, value });
      }
    }
    // a run that lost its lock records nothing: the next run cancels again (Stripe answers a
    // repeated cancel the same) and decides from its own answers
    stillHeld(hold);
    await this.cancellations.record(decisions);
    return [...later];
  }

  private async record(outcome: DeliveryOutcome, counts: RunCounts): Promise<void> {
    await this.reports.markDelivered(outcome.delivered);
    await this.failures.recordRefused(outcome.rejected);
    await this.reports.markRetryLater(outcome.retryLater);
    counts.sent += outcome.delivered.length;
    counts.failed += outcome.rejected.length;
    counts.retryLater += outcome.retryLater.length;
    this.metrics.countReports('sent', outcome.delivered.length);
    this.metrics.countReports('failed', outcome.rejected.length);
  }
}
