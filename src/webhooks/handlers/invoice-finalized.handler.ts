import { Injectable } from '@nestjs/common';
import type { Stripe } from '../../stripe/stripe.constants.js';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service.js';
import type { ClaimedEvent } from '../webhook-events.repository.js';
import { eventObject, type HandlerOutcome, type WebhookHandler } from '../webhook-handler.js';
import { fromUnixSeconds, invoiceSubscriptionId } from './invoice-subject.js';

/** The period's invoice can no longer change: usage for it that arrives now follows the late-usage policy. */
@Injectable()
export class InvoiceFinalizedHandler implements WebhookHandler {
  readonly types = ['invoice.finalized'];

  constructor(private readonly subscriptions: SubscriptionsService) {}

  async handle(event: ClaimedEvent): Promise<HandlerOutcome> {
    const invoice = eventObject<Stripe.Invoice>(event);
    const subscriptionId = invoiceSubscriptionId(invoice);
    if (!subscriptionId) return 'ignored';
    const finalizedAt = invoice.status_transitions?.finalized_at ? fromUnixSeconds(invoice.status_transitions.finalized_at) : event.stripeCreatedAt;
    const marked = await this.subscriptions.markPeriodsInvoiced(subscriptionId, fromUnixSeconds(invoice.period_start), fromUnixSeconds(invoice.period_end), invoice.id, finalizedAt);
    return marked > 0 ? 'processed' : 'ignored';
  }
}
