import type { Ref } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { ReconciliationRun } from './reconciliation-run.entity.js';

/** One customer × meter × day where Stripe's total differs from what local state says reached Stripe. */
@Entity({ tableName: 'reconciliation_drifts' })
@Index({ name: 'reconciliation_drifts_run', properties: ['run'] })
export class ReconciliationDrift {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => ReconciliationRun, { fieldName: 'run_id', ref: true, deleteRule: 'cascade' })
  run!: Ref<ReconciliationRun>;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid' })
  meterId!: string;

  /** UTC day start. */
  @Property({ type: 'timestamptz' })
  day!: Date;

  @Property({ type: 'numeric', columnType: 'numeric(30,6)' })
  localUnits!: string;

  @Property({ type: 'numeric', columnType: 'numeric(30,6)' })
  stripeUnits!: string;
}
