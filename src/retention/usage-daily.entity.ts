import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Usage events rolled up by the retention job (docs/retention.md): one row per customer × meter ×
 * bucket, a UTC day cut at the pair's billing period boundaries, so every window the service
 * reads (billing periods, calendar months, UTC days) is a whole number of buckets. Written by
 * retention.sql.ts only; read beside the raw events by the totals and billable units.
 */
@Entity({ tableName: 'usage_daily' })
export class UsageDaily {
  [OptionalProps]?: 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @PrimaryKey({ type: 'uuid' })
  meterId!: string;

  @PrimaryKey({ type: 'timestamptz' })
  bucketStart!: Date;

  @Property({ type: 'timestamptz' })
  bucketEnd!: Date;

  /** Sum of the events' values (late and unbillable ones included). */
  @Property({ type: 'decimal', precision: 40, scale: 0 })
  units!: string;

  @Property({ type: 'bigint' })
  eventCount!: string;

  /** The part of units and events whose reports were kept back as late and unbillable. */
  @Property({ type: 'decimal', precision: 40, scale: 0 })
  unbillableUnits!: string;

  @Property({ type: 'bigint' })
  unbillableEvents!: string;

  /** The bucket's latest event (by time, then id), for `last` meters. */
  @Property({ type: 'bigint' })
  lastValue!: string;

  @Property({ type: 'timestamptz' })
  lastTime!: Date;

  @Property({ type: 'bigint' })
  lastEventId!: string;

  @Property({ type: 'boolean' })
  lastUnbillable!: boolean;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
