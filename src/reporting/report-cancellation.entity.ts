import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A meter event of a delivered report (one part of it: meter-event-parts.ts) that a later report
 * of the same window tried to cancel before carrying the window's corrected total: `cancelled`
 * when Stripe took the cancel (the later report then carries `value` on top of its own units),
 * false when Stripe refused it (received more than 24 hours ago: the later report then carries
 * only its own difference, a compensating event). Written before the later report is sent, so a
 * resend after a crash carries the same value under the same identifier.
 */
@Entity({ tableName: 'report_cancellations' })
export class ReportCancellation {
  /** usage_reports.id of the report whose meter event was cancelled (or not). */
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  reportId!: string;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  part!: number;

  /** usage_reports.id of the report that carries the cancelled value. */
  @Property({ type: 'bigint', index: 'report_cancellations_by_report' })
  byReportId!: string;

  @Property({ type: 'boolean' })
  cancelled!: boolean;

  /** The cancelled meter event's value (0 when not cancelled). */
  @Property({ type: 'bigint' })
  value!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  decidedAt!: Date;
}
