import { Injectable } from '@nestjs/common';
import { customerNotFound } from '../customers/customers.errors.js';
import { meterEventParts } from '../reporting/meter-event-parts.js';
import type { EventTraceResponse, TracedPeriodDto, TracedReportDto } from './event-trace.dto.js';
import { EventTraceRepository, type TracedReport } from './event-trace.repository.js';
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
  constructor(private readonly repository: EventTraceRepository) {}

  async trace(customerId: string, idempotencyKey: string): Promise<EventTraceResponse> {
    const event = await this.repository.event(customerId, idempotencyKey);
    if (!event) {
      if (!(await this.repository.customerExists(customerId))) throw customerNotFound(`id ${customerId}`);
      throw usageEventNotFound(idempotencyKey);
    }
    const [corrections, reports, period] = await Promise.all([this.repository.corrections(event.id), this.repository.reports(event.id), this.repository.period(event.id)]);
    return {
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
