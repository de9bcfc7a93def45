import { Collection } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, OneToMany, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Customer } from '../customers/customer.entity.js';
import { SubscriptionItem } from './subscription-item.entity.js';

@Entity({ tableName: 'subscriptions' })
@Index({
  name: 'subscriptions_one_live_per_customer',
  expression: "create unique index subscriptions_one_live_per_customer on subscriptions (customer_id) where status not in ('canceled', 'incomplete_expired')",
})
export class Subscription {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Customer, { fieldName: 'customer_id' })
  customer!: Customer;

  @Property({ type: 'text', nullable: true, unique: true })
  stripeSubscriptionId?: string | null;

  /** Stripe's subscription status (incomplete, trialing, active, past_due, canceled, …). */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'boolean', default: false })
  cancelAtPeriodEnd = false;

  @Property({ type: 'timestamptz', nullable: true })
  cancelAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  canceledAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  billingCycleAnchor?: Date | null;

  /** Stripe time of the state last applied (event `created`), so late webhooks never roll it back. */
  @Property({ type: 'timestamptz', nullable: true })
  stripeStateAt?: Date | null;

  @OneToMany(() => SubscriptionItem, (item) => item.subscription)
  items = new Collection<SubscriptionItem>(this);

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
