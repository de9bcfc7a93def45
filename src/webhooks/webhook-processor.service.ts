import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { webhooksConfig } from '../config/namespaces.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WEBHOOK_HANDLERS, type WebhookHandler } from './webhook-handler.js';
import { WebhookEventsRepository } from './webhook-events.repository.js';

/** The longest wait between two attempts of one event. */
const MAX_BACKOFF_SECONDS = 6 * 3600;

/**
 * Processes stored events: claims one, runs its handler, records the outcome. A failure is kept
 * with its error and retried with exponential backoff until the attempts run out (then `dead`,
 * visible to operators, who can requeue it).
 */
@Injectable()
export class WebhookProcessor {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly handlerByType: Map<string, WebhookHandler>;

  constructor(
    private readonly events: WebhookEventsRepository,
    @Inject(webhooksConfig.KEY) private readonly webhooks: ConfigType<typeof webhooksConfig>,
    private readonly metrics: MetricsService,
    @Inject(WEBHOOK_HANDLERS) handlers: WebhookHandler[],
  ) {
    this.handlerByType = new Map(handlers.flatMap((handler) => handler.types.map((type) => [type, handler] as const)));
  }

  async process(id: string): Promise<void> {
    const event = await this.events.claim(id);
    if (!event) return;
    const handler = this.handlerByType.get(event.type);
    try {
      const outcome = handler ? await handler.handle(event) : 'ignored';
      await this.events.complete(id, outcome);
      this.metrics.countWebhookEvent(this.typeLabel(event.type), outcome);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAt = event.attempts < this.webhooks.maxAttempts ? this.backoff(event.attempts) : null;
      await this.events.fail(id, message, retryAt);
      this.metrics.countWebhookEvent(this.typeLabel(event.type), retryAt ? 'failed' : 'dead');
      this.logger.warn({ eventId: id, type: event.type, attempts: event.attempts, retryAt }, `webhook event processing failed: ${message}`);
    }
  }

  /** One sweep of the events whose retry time has come (also picks up expired claims). */
  async retryDue(): Promise<number> {
    const due = await this.events.dueForRetry(50);
    for (const id of due) await this.process(id);
    return due.length;
  }

  /** The metric label of an event type: the types we handle, else `other` (Stripe's type list must not become unbounded labels). */
  typeLabel(type: string): string {
    return this.handlerByType.has(type) ? type : 'other';
  }

  private backoff(attempts: number): Date {
    const base = this.webhooks.retryBaseSeconds;
    const seconds = Math.min(MAX_BACKOFF_SECONDS, base * 2 ** (attempts - 1));
    return new Date(Date.now() + seconds * 1000);
  }
}
