import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

export const METER_AGGREGATIONS = ['sum', 'count', 'last'] as const;
export type MeterAggregation = (typeof METER_AGGREGATIONS)[number];
export const LATE_USAGE_POLICIES = ['next_period', 'record_only'] as const;
export type LateUsagePolicy = (typeof LATE_USAGE_POLICIES)[number];

@Entity({ tableName: 'meters' })
@Check({ name: 'meters_key_check', expression: "key ~ '^[a-z][a-z0-9_-]{0,62}$'" })
@Check({ name: 'meters_aggregation_check', expression: "aggregation in ('sum', 'count', 'last')" })
@Check({ name: 'meters_late_usage_policy_check', expression: "late_usage_policy in ('next_period', 'record_only')" })
@Check({ name: 'meters_unit_amount_decimal_check', expression: 'unit_amount_decimal >= 0' })
export class Meter {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  /** Lowercase slug that callers name in usage events. */
  @Property({ type: 'text', unique: true })
  key!: string;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text' })
  aggregation!: MeterAggregation;

  /** The Stripe meter's event_name, derived from the key. */
  @Property({ type: 'text', unique: true })
  eventName!: string;

  /** Price per unit in the currency's minor unit (cents), as Stripe's unit_amount_decimal: a decimal string. */
  @Property({ type: 'decimal', columnType: 'numeric(24,12)' })
  unitAmountDecimal!: string;

  @Property({ type: 'character', length: 3 })
  currency!: string;

  @Property({ type: 'text', default: 'next_period' })
  lateUsagePolicy: LateUsagePolicy = 'next_period';

  @Property({ type: 'boolean', default: true })
  active = true;

  @Property({ type: 'text', nullable: true, unique: true })
  stripeMeterId?: string | null;

  @Property({ type: 'text', nullable: true })
  stripeProductId?: string | null;

  @Property({ type: 'text', nullable: true, unique: true })
  stripePriceId?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
