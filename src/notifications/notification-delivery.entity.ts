import { Check, Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/**
 * pending (due at next_attempt_at) → sending (claimed; next_attempt_at is when the claim lapses,
 * so a crashed sender's delivery is taken up again) → delivered | pending again (retry) | dead.
 */
export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One notification to one endpoint: what the delivery log shows and the deliverer works through. */
@Entity({ tableName: 'notification_deliveries' })
@Unique({ name: 'notification_deliveries_once', properties: ['notificationId', 'endpointId'] })
@Index({ name: 'notification_deliveries_due', expression: `create index "notification_deliveries_due" on "notification_deliveries" ("next_attempt_at") where state in ('pending', 'sending')` })
@Index({ name: 'notification_deliveries_endpoint', properties: ['endpointId', 'id'] })
@Check({ name: 'notification_deliveries_state_check', expression: "state in ('pending', 'sending', 'delivered', 'dead')" })
export class NotificationDelivery {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  notificationId!: string;

  @Property({ type: 'uuid' })
  endpointId!: string;

  @Property({ type: 'text', default: 'pending' })
  state: DeliveryState = 'pending';

  @Property({ type: 'integer', default: 0 })
  attempts = 0;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  nextAttemptAt: Date = new Date();

  /** The endpoint's HTTP status on the last attempt; null for a timeout or a connection failure. */
  @Property({ type: 'integer', nullable: true })
  lastStatus?: number | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
