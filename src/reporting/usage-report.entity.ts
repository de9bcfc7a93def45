import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/**
 * One aggregate of usage events sent (or to be sent) to Stripe as one meter event: the events of
 * one customer × meter whose event_time is in [window_start, window_end) and whose inserting
 * transaction is in [tx_from, tx_to) (one claim). That pair of ranges names the report's events
 * exactly, so the ledger itself is never updated.
 *
 * A report is written once by the claim and stays as it is; what is still to be done about it
 * lives in report_queue (pending, held, failed). Delivered = no longer queued: a delivery deletes
 * a narrow queue row instead of rewriting this wide, indexed one. Status, as the API shows it:
 * the queue state if queued, else `late_unbillable`, `confirmed` or `sent`.
 *
 * Written and read by set-based SQL (usage-reports.repository.ts); the entity is the schema's
 * source of truth. customer_id and meter_id carry no foreign keys: the claim inserts millions of
 * rows at once and the ids come from usage_events, which already enforces them.
 */
@Entity({ tableName: 'usage_reports' })
@Unique({ name: 'usage_reports_window_sequence', properties: ['customerId', 'meterId', 'windowStart', 'sequence'] })
@Index({ name: 'usage_reports_late_adjustments', expression: 'create index usage_reports_late_adjustments on usage_reports (id) where late_adjustment' })
@Index({ name: 'usage_reports_late_unbillable', expression: 'create index usage_reports_late_unbillable on usage_reports (id) where late_unbillable' })
export class UsageReport {
  [OptionalProps]?: 'lateAdjustment' | 'lateUnbillable' | 'createdAt' | 'correctionCount';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid' })
  meterId!: string;

  /** The period whose invoice the units land on; null while held (no period to bill into yet). */
  @Property({ type: 'bigint', nullable: true })
  billingPeriodId?: string | null;

  /** Where the events' times lie: a reporting window clamped to the period (or gap) they were in. */
  @Property({ type: 'timestamptz' })
  windowStart!: Date;

  @Property({ type: 'timestamptz' })
  windowEnd!: Date;

  /**
   * 0 for a window's first report, then one more for each later claim that found usage in it.
   * With customer, meter and window start it makes the meter event identifier (report-identifier.ts).
   */
  @Property({ type: 'integer' })
  sequence!: number;

  /** What Stripe is told: sum of values, number of events or the latest value, by the meter's aggregation. */
  @Property({ type: 'bigint' })
  units!: string;

  @Property({ type: 'bigint' })
  eventCount!: string;

  /** The meter event's timestamp: the latest event's time, or the target period's start for a late adjustment. */
  @Property({ type: 'timestamptz' })
  reportTime!: Date;

  /** When the oldest of its events was received: the status endpoint's backlog age. */
  @Property({ type: 'timestamptz' })
  oldestReceivedAt!: Date;

  @Property({ type: 'text', columnType: 'xid8' })
  txFrom!: string;

  @Property({ type: 'text', columnType: 'xid8' })
  txTo!: string;

  /** Late usage (its own period was closed) reported into the customer's current period. */
  @Property({ type: 'boolean', default: false })
  lateAdjustment = false;

  /** Late usage under the record_only policy: kept, shown, never sent. */
  @Property({ type: 'boolean', default: false })
  lateUnbillable = false;

  /**
   * Corrections (usage_corrections) among what the report carries: a report of an open period
   * with corrections first cancels the window's earlier meter events (report_cancellations).
   */
  @Property({ type: 'integer', default: 0 })
  correctionCount = 0;

  /** Set by reconciliation once Stripe's summary for the report's day matched local state. */
  @Property({ type: 'timestamptz', nullable: true })
  confirmedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
