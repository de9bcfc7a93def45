import { Injectable } from '@nestjs/common';
import type { Stripe } from '../../stripe/stripe.constants.js';
import { InvoiceVerificationService } from '../../invoice-verification/invoice-verification.service.js';
import { ReportingService } from '../../reporting/reporting.service.js';
import type { ClaimedEvent } from '../webhook-events.repository.js';
import { eventObject, type HandlerOutcome, type WebhookHandler } from '../webhook-handler.js';
import { fromUnixSeconds, invoiceSubscriptionId } from './invoice-subject.js';

/**
 * The draft invoice of a closing period exists: the last moment to get that period's usage onto
 * it. Flush everything pending for the period now, before Stripe finalizes the invoice. Only
 * period-end invoices: a subscription's first invoice bills no usage, and an `invoice_now`
 * cancellation is flushed by the cancellation itself (that invoice is finalized at once). Once the
 * flush has delivered the period, the draft's verification against the ledger is scheduled.
 */
@Injectable()
export class InvoiceCreatedHandler implements WebhookHandler {
  readonly types = ['invoice.created'];

  constructor(
    private readonly reporting: ReportingService,
    private readonly verification: InvoiceVerificationService,
  ) {}

  async handle(event: ClaimedEvent): Promise<HandlerOutcome> {
    const invoice = eventObject<Stripe.Invoice>(event);
    const subscriptionId = invoiceSubscriptionId(invoice);
    if (!subscriptionId || invoice.status !== 'draft' || invoice.billing_reason !== 'subscription_cycle') return 'ignored';
    await this.reporting.flushPeriod(subscriptionId, fromUnixSeconds(invoice.period_end));
    await this.verification.schedule({
      id: invoice.id,
      subscriptionId,
      periodStart: fromUnixSeconds(invoice.period_start),
      periodEnd: fromUnixSeconds(invoice.period_end),
      finalizesAt: invoice.automatically_finalizes_at ? fromUnixSeconds(invoice.automatically_finalizes_at) : null,
    });
    return 'processed';
  }
}
