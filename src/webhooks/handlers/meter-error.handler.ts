import { Injectable } from '@nestjs/common';
import { ReportingService, type StripeRejection } from '../../reporting/reporting.service.js';
import { StripeGateway } from '../../stripe/stripe-gateway.js';
import type { ClaimedEvent } from '../webhook-events.repository.js';
import type { HandlerOutcome, WebhookHandler } from '../webhook-handler.js';

interface MeterErrorReport {
  reason?: { error_types?: { code: string; sample_errors?: { error_message: string; request?: { identifier?: string } }[] }[] };
}

/**
 * Stripe's asynchronous verdict on streamed meter events arrives as a thin event: fetch the full
 * event, and mark the reports it names (by meter event identifier) as failed with Stripe's reason,
 * so they show in the reporting status instead of silently missing from the invoice.
 */
@Injectable()
export class MeterErrorHandler implements WebhookHandler {
  readonly types = ['v1.billing.meter.error_report_triggered', 'v1.billing.meter.no_meter_found'];

  constructor(
    private readonly reporting: ReportingService,
    private readonly stripe: StripeGateway,
  ) {}

  async handle(event: ClaimedEvent): Promise<HandlerOutcome> {
    const full = (await this.stripe.retrieveV2Event(event.id)) as { data?: MeterErrorReport };
    const rejections: StripeRejection[] = (full.data?.reason?.error_types ?? []).flatMap((type) =>
      (type.sample_errors ?? []).flatMap((sample) => (sample.request?.identifier ? [{ identifier: sample.request.identifier, reason: `${type.code}: ${sample.error_message}` }] : [])),
    );
    return (await this.reporting.recordStripeRejections(rejections)) > 0 ? 'processed' : 'ignored';
  }
}
