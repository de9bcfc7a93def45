import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** A usage threshold per billing period on one meter, for one customer or (customer_id null) every customer. */
@Entity({ tableName: 'usage_alerts' })
@Index({ name: 'usage_alerts_meter', properties: ['meterId'] })
export class UsageAlert {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'uuid' })
  meterId!: string;

  @Property({ type: 'uuid', nullable: true })
  customerId?: string | null;

  /** Units per billing period; an integer like every quantity. */
  @Property({ type: 'bigint' })
  threshold!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
