import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** One reporter run (cron, API or period flush) and what it did; the status endpoint shows the last one. */
@Entity({ tableName: 'reporter_runs' })
@Index({ name: 'reporter_runs_started_at', properties: ['startedAt'] })
export class ReporterRun {
  [OptionalProps]?: 'claimedEvents' | 'claimedReports' | 'released' | 'sent' | 'failed' | 'retryLater';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** cron, api or flush. */
  @Property({ type: 'text' })
  trigger!: string;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  /** Usage events aggregated by this run's claim. */
  @Property({ type: 'bigint', default: 0 })
  claimedEvents!: string;

  /** Report rows the claim created (pending, held or late). */
  @Property({ type: 'integer', default: 0 })
  claimedReports!: number;

  /** Held reports turned into reports because a billing period now exists. */
  @Property({ type: 'integer', default: 0 })
  released!: number;

  @Property({ type: 'integer', default: 0 })
  sent!: number;

  @Property({ type: 'integer', default: 0 })
  failed!: number;

  /** Reports left pending after transient errors, for the next run. */
  @Property({ type: 'integer', default: 0 })
  retryLater!: number;

  @Property({ type: 'text', nullable: true })
  error?: string | null;
}
