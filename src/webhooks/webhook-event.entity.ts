import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * received → processing → processed | ignored (nothing of ours) | failed (retried later) → dead
 * (after the last attempt; an operator can requeue it).
 */
export type WebhookEventStatus = 'received' | 'processing' | 'processed' | 'ignored' | 'failed' | 'dead';

/** Every Stripe event received, stored before it is processed: its id de-duplicates deliveries. */
@Entity({ tableName: 'webhook_events' })
@Index({ name: 'webhook_events_due', properties: ['status', 'nextAttemptAt'] })
export class WebhookEvent {
  /** Stripe's event id (evt_…), unique per event whatever the number of deliveries. */
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  type!: string;

  /** Stripe's `created` time of the event: the order in which state changes happened. */
  @Property({ type: 'timestamptz' })
  stripeCreatedAt!: Date;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'text', default: 'received' })
  status: WebhookEventStatus = 'received';

  @Property({ type: 'integer', default: 0 })
  attempts = 0;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  /** When a failed event is retried; while processing, when the claim expires (a crashed processor). */
  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  receivedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  processedAt?: Date | null;
}
