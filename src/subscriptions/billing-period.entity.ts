import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { Rel } from '@mikro-orm/core';
import { SubscriptionItem } from './subscription-item.entity.js';

/**
 * Every billing period a subscription item has had, so usage at any time finds its period (and
 * whether that period's invoice is already final) even after the item has moved to the next one.
 * customer_id and meter_id are copied from the item for the reporter's set-based joins.
 */
@Entity({ tableName: 'billing_periods' })
@Unique({ name: 'billing_periods_item_start', properties: ['subscriptionItem', 'periodStart'] })
@Index({ name: 'billing_periods_customer_meter_start', properties: ['customerId', 'meterId', 'periodStart'] })
export class BillingPeriod {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => SubscriptionItem, { fieldName: 'subscription_item_id', deleteRule: 'cascade' })
  subscriptionItem!: Rel<SubscriptionItem>;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid' })
  meterId!: string;

  /** Inclusive. */
  @Property({ type: 'timestamptz' })
  periodStart!: Date;

  /** Exclusive. */
  @Property({ type: 'timestamptz' })
  periodEnd!: Date;

  @Property({ type: 'text', nullable: true })
  stripeInvoiceId?: string | null;

  /** Set when Stripe finalized this period's invoice: later usage for it follows the late-usage policy. */
  @Property({ type: 'timestamptz', nullable: true })
  invoiceFinalizedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
