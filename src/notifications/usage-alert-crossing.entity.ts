import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The primary key is the rule "once per customer × alert × period": the evaluator inserts the
 * crossing and its notification in one transaction, so a second insert (another replica, usage
 * falling under and rising over again) finds the key taken and announces nothing.
 */
@Entity({ tableName: 'usage_alert_crossings' })
export class UsageAlertCrossing {
  @PrimaryKey({ type: 'uuid' })
  alertId!: string;

  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @PrimaryKey({ type: 'timestamptz' })
  periodStart!: Date;

  /** The customer's units in the period when the crossing was noticed (at least the threshold). */
  @Property({ type: 'bigint' })
  units!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  crossedAt: Date = new Date();
}
