import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The outbox: one row per fact announced, written in the transaction of the fact itself. Its id is
 * derived from what the fact is (type and a source key), so announcing the same fact twice (a
 * retried webhook, a re-run) stores it once, and receivers de-duplicate on it.
 */
@Entity({ tableName: 'notifications' })
export class Notification {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'json' })
  data!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
