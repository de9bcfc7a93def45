import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { StripeSignatureVerifier } from './stripe-signature.verifier.js';
import { WebhookEventsRepository } from './webhook-events.repository.js';
import { WebhookProcessor } from './webhook-processor.service.js';

export interface IntakeResult {
  received: true;
  duplicate: boolean;
}

/**
 * Verify → persist → acknowledge → process. Stripe gets its 2xx as soon as the event is stored;
 * processing then runs in the background, and a failure there is retried from the table, so a
 * slow or failing handler never makes Stripe redeliver. Once shutdown begins, events still
 * arriving are stored and acknowledged but left to the retry sweep (of another replica, or of the
 * next start), so nothing starts on a database about to close.
 */
@Injectable()
export class WebhookIntakeService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly processing = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly verifier: StripeSignatureVerifier,
    private readonly events: WebhookEventsRepository,
    private readonly processor: WebhookProcessor,
    private readonly metrics: MetricsService,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<IntakeResult> {
    let event;
    try {
      event = this.verifier.verify(rawBody, signature);
    } catch (error) {
      this.metrics.countWebhookEvent('unverified', 'rejected');
      throw error;
    }
    const stored = await this.events.storeIfNew({ id: event.id, type: event.type, stripeCreatedAt: event.created, payload: event.payload });
    if (!stored) {
      this.metrics.countWebhookEvent(this.processor.typeLabel(event.type), 'duplicate');
      return { received: true, duplicate: true };
    }
    if (this.stopping) return { received: true, duplicate: false };
    const processing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.processor.process(event.id))
      .catch((error: unknown) => this.logger.error({ err: error, eventId: event.id }, 'webhook processing crashed; the retry sweep picks it up'))
      .finally(() => this.processing.delete(processing));
    this.processing.add(processing);
    return { received: true, duplicate: false };
  }

  /**
   * Shutdown: no processing starts from here on, and the events being processed finish before the
   * database closes. Nest closes the HTTP server after this hook (graceful shutdown has drained it
   * before), so requests may still arrive: they are stored for the sweep.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.processing);
  }
}
