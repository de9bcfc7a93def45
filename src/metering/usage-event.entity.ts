import type { Ref } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Customer } from '../customers/customer.entity.js';
import { Meter } from './meter.entity.js';

/**
 * One recorded usage event (the ledger). Written by set-based SQL on the ingest hot path;
 * the entity exists for reads and for the schema's single source of truth.
 */
@Entity({ tableName: 'usage_events' })
@Unique({ name: 'usage_events_customer_idempotency_key', properties: ['customer', 'idempotencyKey'] })
@Index({ name: 'usage_events_customer_meter_time', properties: ['customer', 'meter', 'eventTime'] })
@Index({ name: 'usage_events_tx', properties: ['txId'] })
@Check({ name: 'usage_events_value_check', expression: 'value >= 0' })
export class UsageEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Customer, { fieldName: 'customer_id', ref: true })
  customer!: Ref<Customer>;

  @ManyToOne(() => Meter, { fieldName: 'meter_id', ref: true })
  meter!: Ref<Meter>;

  @Property({ type: 'text' })
  idempotencyKey!: string;

  @Property({ type: 'bigint' })
  value!: string;

  /** When the usage happened: decides the billing period it belongs to. */
  @Property({ type: 'timestamptz' })
  eventTime!: Date;

  /** true when the caller sent no timestamp and the receipt time was used. */
  @Property({ type: 'boolean', default: false })
  timestampDefaulted = false;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  receivedAt!: Date;

  @Property({ type: 'json', nullable: true })
  properties?: Record<string, unknown> | null;

  /** The inserting transaction (xid8), read by the reporter's commit-safe watermark. */
  @Property({ type: 'text', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  txId!: string;
}
