import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

export type CustomerStatus = 'active' | 'past_due' | 'canceled' | 'deleted';

@Entity({ tableName: 'customers' })
@Check({ name: 'customers_status_check', expression: "status in ('active', 'past_due', 'canceled', 'deleted')" })
export class Customer {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text', unique: true })
  externalId!: string;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name?: string | null;

  @Property({ type: 'text', nullable: true, unique: true })
  stripeCustomerId?: string | null;

  @Property({ type: 'text', nullable: true })
  stripeTestClockId?: string | null;

  @Property({ type: 'text', default: 'active' })
  status: CustomerStatus = 'active';

  /** Stripe `created` time of the event that last set `status`, so an older event never overwrites it. */
  @Property({ type: 'timestamptz', nullable: true })
  statusChangedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
