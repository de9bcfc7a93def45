import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * When Stripe accepted a report (all its meter events): written in the statement that takes the
 * report out of report_queue, so the wide usage_reports row stays untouched. The event trace
 * (GET /v1/usage/events) shows it.
 */
@Entity({ tableName: 'report_deliveries' })
export class ReportDelivery {
  /** usage_reports.id. */
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  reportId!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  sentAt!: Date;
}
