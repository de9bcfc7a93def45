import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Meter } from './meter.entity.js';
import type { CreateMeterDto } from './create-meter.dto.js';

export type StripeMeterIds = Partial<Pick<Meter, 'stripeMeterId' | 'stripeProductId' | 'stripePriceId'>>;

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const METER_READS = Symbol('METER_READS');

@Injectable()
export class MetersRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inserts the meter unless its key exists; true when this call created it (safe under concurrency). */
  async insertIfAbsent(definition: CreateMeterDto, eventName: string): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `insert into meters (key, display_name, aggregation, event_name, unit_amount_decimal, currency, late_usage_policy)
       values (?, ?, ?, ?, ?, ?, ?)
       on conflict (key) do nothing
       returning id`,
      [definition.key, definition.displayName, definition.aggregation, eventName, definition.unitAmountDecimal, definition.currency, definition.lateUsagePolicy ?? 'next_period'],
    );
    return rows.length === 1;
  }

  findByKey(key: string): Promise<Meter | null> {
    return this.em.fork().findOne(Meter, { key });
  }

  findByKeys(keys: string[]): Promise<Meter[]> {
    return this.em.fork().find(Meter, { key: { $in: keys } });
  }

  /** In key order (unique, indexed), `limit` rows after `after`. */
  listPage(after: string | undefined, limit: number): Promise<Meter[]> {
    return this.em.fork().find(Meter, after === undefined ? {} : { key: { $gt: after } }, { orderBy: { key: 'asc' }, limit });
  }

  listAll(): Promise<Meter[]> {
    return this.em.fork().find(Meter, {}, { orderBy: { key: 'asc' } });
  }

  listActive(): Promise<Meter[]> {
    return this.em.fork().find(Meter, { active: true }, { orderBy: { key: 'asc' } });
  }

  /** Records each Stripe id as soon as it exists, so a retry resumes from the step that was missing. */
  async recordStripeIds(meterId: string, ids: StripeMeterIds): Promise<void> {
    await this.em.fork().nativeUpdate(Meter, { id: meterId }, { ...ids, updatedAt: new Date() });
  }

  /** Removes a meter Stripe never priced, unless usage already names it (that usage must keep its meter). */
  async deleteUnpriced(meterId: string): Promise<void> {
    await this.em.execute(
      `delete from meters m where m.id = ? and m.stripe_price_id is null and not exists (select 1 from usage_events e where e.meter_id = m.id)`,
      [meterId],
    );
  }

  async renameMeter(meterId: string, displayName: string): Promise<void> {
    await this.em.fork().nativeUpdate(Meter, { id: meterId }, { displayName, updatedAt: new Date() });
  }
}
