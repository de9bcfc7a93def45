import type { Rel } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Meter } from '../metering/meter.entity.js';
import { Subscription } from './subscription.entity.js';

/** One metered price on a subscription; each item has its own billing period (Stripe API 2025-03-31+). */
@Entity({ tableName: 'subscription_items' })
@Unique({ properties: ['subscription', 'meter'] })
export class SubscriptionItem {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Subscription, { fieldName: 'subscription_id', deleteRule: 'cascade' })
  subscription!: Rel<Subscription>;

  @ManyToOne(() => Meter, { fieldName: 'meter_id' })
  meter!: Meter;

  @Property({ type: 'text', unique: true })
  stripeItemId!: string;

  @Property({ type: 'text' })
  stripePriceId!: string;

  @Property({ type: 'timestamptz' })
  currentPeriodStart!: Date;

  @Property({ type: 'timestamptz' })
  currentPeriodEnd!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
