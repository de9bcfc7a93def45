import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { LedgerPartial } from '../metering/billable-units.js';

/**
 * The alert evaluator's running units of one watched customer × meter over its current billing
 * period: the partial aggregate (src/metering/billable-units.ts) of every ledger row of the period
 * written by a transaction below the evaluator's watermark. Each pass adds only the rows written
 * since; a row whose period is not the pair's current one is recomputed from the ledger. Written
 * only by the evaluator (and emptied for a meter when one of its alerts is deleted, under the
 * watermark's row lock), so a row exists only while its pair is watched without a gap.
 */
@Entity({ tableName: 'usage_alert_units' })
export class UsageAlertUnits {
  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @PrimaryKey({ type: 'uuid' })
  meterId!: string;

  @Property({ type: 'timestamptz' })
  periodStart!: Date;

  @Property({ type: 'timestamptz' })
  periodEnd!: Date;

  @Property({ type: 'jsonb' })
  partial!: LedgerPartial;
}
