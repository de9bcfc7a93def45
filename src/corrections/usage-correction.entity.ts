import { Check, Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

export const CORRECTION_BILLING = ['pending', 'adjusting', 'late'] as const;
/** What the correction does to the money, as answered when it was made (see corrections.service.ts). */
export type CorrectionBilling = (typeof CORRECTION_BILLING)[number];

/**
 * One correction of a recorded usage event: append-only, never updated or deleted, like the
 * events themselves. The event's value is its latest correction's `value` (0 voids it), else its
 * own. Who (API key prefix), when and why stay readable forever.
 *
 * The reporter claims corrections like new usage, by the inserting transaction (`tx_id`, the
 * same watermark as usage_events) and the corrected event's time: `report_units` is what the
 * correction adds to its window's report, fixed when it is made so that a claim never depends on
 * what happened later. customer_id, meter_id and event_time repeat the event's for that claim.
 */
@Entity({ tableName: 'usage_corrections' })
@Unique({ name: 'usage_corrections_customer_key', properties: ['customerId', 'correctionKey'] })
@Index({ name: 'usage_corrections_event', properties: ['eventId', 'id'] })
@Index({ name: 'usage_corrections_tx', properties: ['txId'] })
@Index({ name: 'usage_corrections_customer_meter_time', properties: ['customerId', 'meterId', 'eventTime'] })
@Check({ name: 'usage_corrections_value_check', expression: 'value >= 0' })
@Check({ name: 'usage_corrections_billing_check', expression: "billing in ('pending', 'adjusting', 'late')" })
export class UsageCorrection {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** usage_events.id of the corrected event. */
  @Property({ type: 'bigint' })
  eventId!: string;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid' })
  meterId!: string;

  /** The caller's key for this correction: a retry with the same key and body is the same correction. */
  @Property({ type: 'text' })
  correctionKey!: string;

  /** The event's corrected value (0 voids it). */
  @Property({ type: 'bigint' })
  value!: string;

  /** The event's value before this correction (its own, or the previous correction's). */
  @Property({ type: 'bigint' })
  previousValue!: string;

  /**
   * What this correction adds to its window's report: the difference (sum meters), -1 or 0 events
   * (count meters: a void, or a void of a voided event), the window's new latest value (last meters).
   */
  @Property({ type: 'bigint' })
  reportUnits!: string;

  /** false when it changes nothing billable (a `last` meter event that is not the latest): never reported. */
  @Property({ type: 'boolean' })
  billable!: boolean;

  @Property({ type: 'text' })
  reason!: string;

  /** The prefix of the API key that made it (`mb_…`). */
  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'text' })
  billing!: CorrectionBilling;

  /** The corrected event's time: places the correction in the event's window and period. */
  @Property({ type: 'timestamptz' })
  eventTime!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'text', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  txId!: string;
}
