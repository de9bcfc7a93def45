import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The alert evaluator's position: usage events whose inserting transaction id is below `last_tx`
 * have been evaluated. One row (id 1), created by its migration at the transaction that created it.
 */
@Entity({ tableName: 'usage_alert_watermark' })
@Check({ name: 'usage_alert_watermark_single_row', expression: 'id = 1' })
export class UsageAlertWatermark {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'text', columnType: 'xid8' })
  lastTx!: string;
}
