import { OptionalProps } from '@mikro-orm/core';
import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

export const QUEUE_STATES = ['pending', 'held', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/**
 * A report that is not delivered yet: `pending` (to send), `held` (no Stripe customer or billing
 * period to put it in yet) or `failed` (Stripe refused it; shown in status, not retried). Ordered
 * by report id, the pending rows are the delivery backlog; a delivered report's row is deleted.
 */
@Entity({ tableName: 'report_queue' })
@Check({ name: 'report_queue_state_check', expression: "state in ('pending', 'held', 'failed')" })
export class ReportQueueEntry {
  [OptionalProps]?: 'attempts';

  /** usage_reports.id. */
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  reportId!: string;

  @Property({ type: 'text' })
  state!: QueueState;

  /** Runs that tried to send it (each may retry within the run). */
  @Property({ type: 'integer', default: 0 })
  attempts = 0;

  /** Stripe's answer to the last try: why it failed, or why it is still pending. */
  @Property({ type: 'text', nullable: true })
  failureReason?: string | null;
}
