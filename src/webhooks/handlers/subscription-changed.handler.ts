import { Injectable } from '@nestjs/common';
import type { Stripe } from '../../stripe/stripe.constants.js';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service.js';
import type { ClaimedEvent } from '../webhook-events.repository.js';
import { eventObject, type HandlerOutcome, type WebhookHandler } from '../webhook-handler.js';

/**
 * Status, cancellation, item periods, items added or removed: re-read from Stripe rather than taken
 * from the event, so an out-of-order `updated` (or `updated` before `created`) cannot regress state.
 */
@Injectable()
export class SubscriptionChangedHandler implements WebhookHandler {
  readonly types = ['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused', 'customer.subscription.resumed'];

  constructor(private readonly subscriptions: SubscriptionsService) {}

  async handle(event: ClaimedEvent): Promise<HandlerOutcome> {
    const subscription = eventObject<Stripe.Subscription>(event);
    return (await this.subscriptions.syncFromStripe(subscription.id)) ? 'processed' : 'ignored';
  }
}
