import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

export const REPORT_STATUSES = ['held', 'pending', 'sent', 'confirmed', 'failed', 'late_unbillable'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/**
 * One aggregate of usage events sent (or to be sent) to Stripe as one meter event: the events of
 * one customer × meter whose event_time is in [window_start, window_end) and whose inserting
 * transaction is in [tx_from, tx_to) (one claim). That pair of ranges names the report's events
 * exactly, so the ledger itself is never updated.
 *
 * Written and read by set-based SQL (usage-reports.repository.ts); the entity is the schema's
 * source of truth. customer_id and meter_id carry no foreign keys: the claim inserts millions of
 * rows at once and the ids come from usage_events, which already enforces them.
 */
@Entity({ tableName: 'usage_reports' })
@Unique({ name: 'usage_reports_identifier', properties: ['identifier'] })
@Unique({ name: 'usage_reports_window_sequence', properties: ['customerId', 'meterId', 'windowStart', 'sequence'] })
@Index({ name: 'usage_reports_status_id', properties: ['status', 'id'] })
@Index({ name: 'usage_reports_billing_period', properties: ['billingPeriodId'] })
@Index({ name: 'usage_reports_late_adjustments', expression: 'create index usage_reports_late_adjustments on usage_reports (id) where late_adjustment' })
@Check({ name: 'usage_reports_status_check', expression: "status in ('held', 'pending', 'sent', 'confirmed', 'failed', 'late_unbillable')" })
export class UsageReport {
  [OptionalProps]?: 'lateAdjustment' | 'attempts' | 'createdAt';

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

  /** 0 for a window's first report, then one more for each later claim that found usage in it. */
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

  /** The meter event identifier (see report-identifier.ts); Stripe de-duplicates on it. */
  @Property({ type: 'text' })
  identifier!: string;

  @Property({ type: 'text' })
  status!: ReportStatus;

  /** Late usage (its own period was closed) reported into the customer's current period. */
  @Property({ type: 'boolean', default: false })
  lateAdjustment = false;

  @Property({ type: 'text', nullable: true })
  failureReason?: string | null;

  /** Delivery attempts: runs that picked the report up for sending. */
  @Property({ type: 'integer', default: 0 })
  attempts = 0;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date | null;

  /** Set by reconciliation once Stripe's summary for the report's day matched local state. */
  @Property({ type: 'timestamptz', nullable: true })
  confirmedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
