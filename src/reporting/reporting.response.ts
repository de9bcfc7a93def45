import { ApiProperty } from '@nestjs/swagger';
import type { BacklogRow, FailedReportRow, NegativePeriodRow, StatusTotals } from './reporting-status.repository.js';
import { RetentionStatus } from '../retention/retention-status.js';
import type { RunRecord } from './reporter-runs.repository.js';

const UNITS = 'units as a decimal string (sums of 15-digit values exceed 2^53)';

export class ReporterRunResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['cron', 'api', 'flush'] }) trigger!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ description: 'usage events aggregated into reports by this run, as a decimal string' }) claimedEvents!: string;
  @ApiProperty({ description: 'report rows created by the claim (pending, held or late)' }) claimedReports!: number;
  @ApiProperty({ description: 'held reports turned into reports because the customer can now be billed' }) released!: number;
  @ApiProperty({ description: 'meter events Stripe accepted (or already held)' }) sent!: number;
  @ApiProperty({ description: 'reports Stripe refused (400): not retried, listed in status' }) failed!: number;
  @ApiProperty({ description: 'reports left pending after 429/5xx/network errors, for the next run' }) retryLater!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class ReportTotals {
  @ApiProperty() reports!: number;
  @ApiProperty() events!: number;
  @ApiProperty({ description: UNITS }) units!: string;
}

export class ReportingBacklog {
  @ApiProperty({ description: 'usage events recorded but not yet claimed (past the watermark)' }) unclaimedEvents!: number;
  @ApiProperty({ type: ReportTotals, description: 'claimed, waiting to be sent' }) pending!: ReportTotals;
  @ApiProperty({ type: ReportTotals, description: 'claimed, waiting for a Stripe customer or a billing period' }) held!: ReportTotals;
  @ApiProperty({ description: 'all events not yet reported: unclaimed + pending + held' }) events!: number;
  @ApiProperty({ nullable: true, type: String, description: 'receipt time of the oldest event not yet reported' }) oldestPendingReceivedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) oldestPendingAgeSeconds!: number | null;
}

export class LateUsage {
  @ApiProperty({ type: ReportTotals, description: 'late usage reported into the current period (next_period policy)' }) adjustments!: ReportTotals;
  @ApiProperty({ type: ReportTotals, description: 'late usage kept as unbillable (record_only policy)' }) unbillable!: ReportTotals;
}

export class FailedReport {
  @ApiProperty() id!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() meterId!: string;
  @ApiProperty() windowStart!: string;
  @ApiProperty() windowEnd!: string;
  @ApiProperty({ description: UNITS }) units!: string;
  @ApiProperty() events!: number;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String, description: "Stripe's answer" }) reason!: string | null;
}

export class ReportingFailures {
  @ApiProperty({ type: ReportTotals }) totals!: ReportTotals;
  @ApiProperty({ type: [FailedReport], description: 'the 100 most recent' }) recent!: FailedReport[];
}

export class NegativePeriod {
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'the meter key' }) meter!: string;
  @ApiProperty() periodStart!: string;
  @ApiProperty() periodEnd!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the Stripe invoice of the period, once known' }) stripeInvoiceId!: string | null;
  @ApiProperty({ description: "what Stripe's meter holds for the period (below 0), as a decimal string" }) netUnits!: string;
}

export class NegativeTotals {
  @ApiProperty({ description: 'billing periods whose total on Stripe is below 0' }) periods!: number;
  @ApiProperty({ type: [NegativePeriod], description: 'the 100 latest-ending' }) recent!: NegativePeriod[];
}

export class ReportingStatusResponse {
  @ApiProperty({ format: 'date-time', description: 'backlog, failures and retention include every write committed before this instant (a read replica may lag: docs/read-routing.md); lastRun is read on the primary' }) asOf!: string;
  @ApiProperty({ description: 'transaction id below which every usage event has been claimed' }) watermark!: string;
  @ApiProperty({ type: ReportingBacklog }) backlog!: ReportingBacklog;
  @ApiProperty({ type: LateUsage }) late!: LateUsage;
  @ApiProperty({ type: ReporterRunResponse, nullable: true }) lastRun!: ReporterRunResponse | null;
  @ApiProperty({ type: ReportingFailures }) failures!: ReportingFailures;
  @ApiProperty({
    type: NegativeTotals,
    description: 'periods that corrections (compensating events, late adjustments) lowered below 0 on Stripe: Stripe invoices them at 0, so those units are not billed anywhere',
  })
  negativeTotals!: NegativeTotals;
  @ApiProperty({ type: RetentionStatus }) retention!: RetentionStatus;
}

const iso = (value: Date | string) => new Date(value).toISOString();

const toTotals = (totals: StatusTotals): ReportTotals => ({ reports: Number(totals.reports), events: Number(totals.events), units: String(totals.units) });

export function toRunResponse(run: RunRecord): ReporterRunResponse {
  return {
    id: run.id,
    trigger: run.trigger,
    startedAt: iso(run.startedAt),
    finishedAt: run.finishedAt ? iso(run.finishedAt) : null,
    claimedEvents: run.claimedEvents,
    claimedReports: run.claimedReports,
    released: run.released,
    sent: run.sent,
    failed: run.failed,
    retryLater: run.retryLater,
    error: run.error,
  };
}

function toFailedReport(row: FailedReportRow): FailedReport {
  return {
    id: row.id,
    identifier: row.identifier,
    customerId: row.customerId,
    meterId: row.meterId,
    windowStart: iso(row.windowStart),
    windowEnd: iso(row.windowEnd),
    units: row.units,
    events: row.eventCount,
    attempts: row.attempts,
    reason: row.reason,
  };
}

function toNegativePeriod(row: NegativePeriodRow): NegativePeriod {
  return {
    customerId: row.customerId,
    meter: row.meter,
    periodStart: iso(row.periodStart),
    periodEnd: iso(row.periodEnd),
    stripeInvoiceId: row.stripeInvoiceId,
    netUnits: row.netUnits,
  };
}

export interface StatusParts {
  backlog: BacklogRow;
  lastRun: RunRecord | null;
  failures: FailedReportRow[];
  negative: NegativePeriodRow[];
  retention: RetentionStatus;
}

export function toStatusResponse({ backlog, lastRun, failures, negative, retention }: StatusParts): Omit<ReportingStatusResponse, 'asOf'> {
  const pending = toTotals(backlog.pending);
  const held = toTotals(backlog.held);
  return {
    watermark: backlog.watermark,
    backlog: {
      unclaimedEvents: backlog.unclaimedEvents,
      pending,
      held,
      events: backlog.unclaimedEvents + pending.events + held.events,
      oldestPendingReceivedAt: backlog.oldestPendingReceivedAt ? iso(backlog.oldestPendingReceivedAt) : null,
      oldestPendingAgeSeconds: backlog.oldestPendingAgeSeconds,
    },
    late: { adjustments: toTotals(backlog.lateAdjustments), unbillable: toTotals(backlog.lateUnbillable) },
    lastRun: lastRun ? toRunResponse(lastRun) : null,
    failures: { totals: toTotals(backlog.failed), recent: failures.map(toFailedReport) },
    negativeTotals: { periods: negative[0]?.total ?? 0, recent: negative.map(toNegativePeriod) },
    retention,
  };
}
