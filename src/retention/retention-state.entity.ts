import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** What the retention job did last and in total: one row (id 1), created by its migration. */
@Entity({ tableName: 'retention_state' })
@Check({ name: 'retention_state_single_row', expression: 'id = 1' })
export class RetentionState {
  [OptionalProps]?: 'lastRunDeleted' | 'deletedTotal';

  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'timestamptz', nullable: true })
  lastRunStartedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastRunFinishedAt?: Date | null;

  /** When the last batch that rolled events up committed. */
  @Property({ type: 'timestamptz', nullable: true })
  lastRollupAt?: Date | null;

  /** The last run's horizon: events before it were eligible. */
  @Property({ type: 'timestamptz', nullable: true })
  horizon?: Date | null;

  @Property({ type: 'bigint', default: 0 })
  lastRunDeleted!: string;

  @Property({ type: 'bigint', default: 0 })
  deletedTotal!: string;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;
}
