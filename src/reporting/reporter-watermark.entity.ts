import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The reporter's single claim position: every usage event whose inserting transaction id is
 * below `last_tx` has been aggregated into usage_reports. One row (id 1), created by its migration.
 */
@Entity({ tableName: 'reporter_watermark' })
@Check({ name: 'reporter_watermark_single_row', expression: 'id = 1' })
export class ReporterWatermark {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'text', columnType: 'xid8' })
  lastTx!: string;
}
