import { Inject, Injectable } from '@nestjs/common';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { customerNotFound } from '../customers/customers.errors.js';
import { meterEventParts } from '../reporting/meter-event-parts.js';
import type { EventTraceResponse, TracedPeriodDto, TracedReportDto } from './event-trace.dto.js';
import { EVENT_TRACE_READS, EventTraceRepository, type TracedEvent, type TracedReport } from './event-trace.repository.js';
import { usageEventNotFound } from './corrections.errors.js';

function reportView(report: TracedReport): TracedReportDto {
  const billingPeriod: TracedPeriodDto | null = report.periodStart
    ? { periodStart: report.periodStart, periodEnd: report.periodEnd!, stripeInvoiceId: report.stripeInvoiceId, invoiceFinalizedAt: report.invoiceFinalizedAt }
    : null;
  return {
    identifier: report.identifier,
    meterEvents: meterEventParts(report.identifier, report.sentUnits).map((part) => part.identifier),
    carries: report.carries,
    units: report.units,
    sentUnits: report.sentUnits,
    // a delivered report whose meter events a later report cancelled: its value lives on there
    status: report.cancelledBy && (report.status === 'sent' || report.status === 'confirmed') ? 'cancelled' : report.status,
    failureReason: report.failureReason,
    claimedAt: report.claimedAt,
    sentAt: report.sentAt,
    confirmedAt: report.confirmedAt,
    lateAdjustment: report.lateAdjustment,
    cancelledBy: report.cancelledBy,
    billingPeriod,
  };
}

/** "Where did this unit go?": one event, its corrections, every report that carried it, its period and invoice. */
@Injectable()
export class EventTraceService {
  constructor(
    private readonly primary: EventTraceRepository,
    @Inject(EVENT_TRACE_READS) private readonly reads: EventTraceRepository,
    private readonly readsDatabase: RequestReadsDatabase,
  ) {}

  /**
   * On the request-reads pool (a replica when DATABASE_READ_URL is set), as of `asOf`. An event
   * recorded too recently for the replica to have it is traced on the primary instead, so a
   * 202 is never followed by a 404 (docs/read-routing.md).
   */
  async trace(customerId: string, idempotencyKey: string): Promise<EventTraceResponse> {
    const asOf = await this.readsDatabase.asOf();
    const event = await this.reads.event(customerId, idempotencyKey);
    if (event) return this.traceOf(this.reads, event, asOf);
    const stored = await this.primary.event(customerId, idempotencyKey);
    if (stored) return this.traceOf(this.primary, stored, new Date().toISOString());
    if (!(await this.primary.customerExists(customerId))) throw customerNotFound(`id ${customerId}`);
    throw usageEventNotFound(idempotencyKey);
  }

  private async traceOf(repository: EventTraceRepository, event: TracedEvent, asOf: string): Promise<EventTraceResponse> {
    const [corrections, reports, period] = await Promise.all([repository.corrections(event.id), repository.reports(event.id), repository.period(event.id)]);
    return {
      asOf,
      event: {
        id: event.id,
        customerId: event.customerId,
        idempotencyKey: event.idempotencyKey,
        meter: event.meter,
        aggregation: event.aggregation,
        value: event.value,
        currentValue: event.currentValue,
        timestamp: event.eventTime,
        receivedAt: event.receivedAt,
        properties: event.properties,
      },
      corrections: corrections.map(({ reportUnits: _reportUnits, ...correction }) => correction),
      reports: reports.map(reportView),
      billingPeriod: period ? { ...period, billedAsZero: event.aggregation !== 'last' && BigInt(period.netUnits) < 0n } : null,
    };
  }
}
