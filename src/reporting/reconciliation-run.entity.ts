import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** One comparison of local reported totals with Stripe's meter event summaries over [range_from, range_to). */
@Entity({ tableName: 'reconciliation_runs' })
export class ReconciliationRun {
  [OptionalProps]?: 'compared' | 'driftCount';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** cron or api. */
  @Property({ type: 'text' })
  trigger!: string;

  @Property({ type: 'timestamptz' })
  rangeFrom!: Date;

  @Property({ type: 'timestamptz' })
  rangeTo!: Date;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  /** Customer × meter × day cells compared. */
  @Property({ type: 'integer', default: 0 })
  compared!: number;

  @Property({ type: 'integer', default: 0 })
  driftCount!: number;

  @Property({ type: 'text', nullable: true })
  error?: string | null;
}
