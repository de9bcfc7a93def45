import { Injectable } from '@nestjs/common';
import type { Stripe } from '../../stripe/stripe.constants.js';
import { CustomersService, type CustomerStatus } from '../../customers/customers.service.js';
import type { ClaimedEvent } from '../webhook-events.repository.js';
import { eventObject, type HandlerOutcome, type WebhookHandler } from '../webhook-handler.js';
import { invoiceCustomerId } from './invoice-subject.js';

/** What each event says about the customer's standing. */
const STATUS_BY_TYPE: Record<string, CustomerStatus> = {
  'invoice.paid': 'active',
  'invoice.payment_succeeded': 'active',
  'invoice.payment_failed': 'past_due',
  'customer.deleted': 'deleted',
};

/**
 * The customer's billing status, ordered by the events' Stripe creation time: a `paid` delivered
 * after a newer `payment_failed` does not clear `past_due`. Ingest keeps accepting usage whatever
 * the status; it only informs the callers.
 */
@Injectable()
export class CustomerBillingStatusHandler implements WebhookHandler {
  readonly types = Object.keys(STATUS_BY_TYPE);

  constructor(private readonly customers: CustomersService) {}

  async handle(event: ClaimedEvent): Promise<HandlerOutcome> {
    const invoice = event.type === 'customer.deleted' ? null : eventObject<Stripe.Invoice>(event);
    const stripeCustomerId = invoice ? invoiceCustomerId(invoice) : eventObject<Stripe.Customer>(event).id;
    if (!stripeCustomerId) return 'ignored';
    const paymentFailure =
      invoice && event.type === 'invoice.payment_failed'
        ? { stripeInvoiceId: invoice.id ?? null, amountDue: invoice.amount_due ?? null, currency: invoice.currency ?? null, attemptCount: invoice.attempt_count ?? null }
        : undefined;
    const known = await this.customers.applyBillingStatus(stripeCustomerId, STATUS_BY_TYPE[event.type]!, event.stripeCreatedAt, { id: event.id, paymentFailure });
    return known ? 'processed' : 'ignored';
  }
}
