import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { WebhookEvent, type WebhookEventStatus } from './webhook-event.entity.js';

export interface ReceivedEvent {
  id: string;
  type: string;
  stripeCreatedAt: Date;
  payload: Record<string, unknown>;
}

export interface ClaimedEvent extends ReceivedEvent {
  attempts: number;
}

/** How long a processor may hold an event before another replica may take it over. */
const CLAIM_SECONDS = 300;

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const WEBHOOK_EVENT_READS = Symbol('WEBHOOK_EVENT_READS');

@Injectable()
export class WebhookEventsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Stores the event once; false when this event id was already received (a repeated delivery). */
  async storeIfNew(event: ReceivedEvent): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `insert into webhook_events (id, type, stripe_created_at, payload) values (?, ?, ?, ?)
       on conflict (id) do nothing returning id`,
      [event.id, event.type, event.stripeCreatedAt, JSON.stringify(event.payload)],
    );
    return rows.length === 1;
  }

  /**
   * Claims an event for processing, unless another processor holds a live claim on it or it is
   * done. A claim that outlives CLAIM_SECONDS (its processor crashed) can be taken over.
   */
  async claim(id: string): Promise<ClaimedEvent | null> {
    const [row] = await this.em.execute<ClaimedEvent[]>(
      `update webhook_events set status = 'processing', attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
        where id = ? and (status in ('received', 'failed') or (status = 'processing' and next_attempt_at < now()))
        returning id, type, payload, stripe_created_at as "stripeCreatedAt", attempts`,
      [CLAIM_SECONDS, id],
    );
    return row ?? null;
  }

  async complete(id: string, status: 'processed' | 'ignored'): Promise<void> {
    await this.em.execute(`update webhook_events set status = ?, processed_at = now(), last_error = null, next_attempt_at = null where id = ?`, [status, id]);
  }

  /** Records a failed attempt: retried at `retryAt`, or dead when there is none left. */
  async fail(id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.em.execute(`update webhook_events set status = ?, last_error = ?, next_attempt_at = ? where id = ?`, [retryAt ? 'failed' : 'dead', error, retryAt, id]);
  }

  /** Events due for a (re)try, oldest first, bounded: failed ones whose time has come and expired claims. */
  async dueForRetry(limit: number): Promise<string[]> {
    const rows = await this.em.execute<{ id: string }[]>(
      `select id from webhook_events
        where (status in ('received', 'failed', 'processing') and next_attempt_at <= now()) or (status = 'received' and next_attempt_at is null and received_at < now() - interval '1 minute')
        order by received_at limit ?`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Newest first, `limit` rows after the row whose sort key is `after`. The sort key is the receipt
   * time to the microsecond (as PostgreSQL stores it: a JavaScript Date would round it to the
   * millisecond and skip or repeat rows at a page boundary) and the id.
   */
  async listPage(filter: { status?: WebhookEventStatus }, after: string | undefined, limit: number): Promise<Array<{ event: WebhookEvent; sortKey: string }>> {
    const [afterTime, afterId] = after?.split('|') ?? [];
    const keys = await this.em.execute<Array<{ id: string; sort_key: string }>>(
      `select id, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || id as sort_key
         from webhook_events
        where (?::text is null or status = ?)
          and (?::timestamp is null or (received_at at time zone 'UTC', id) < (?::timestamp, ?))
        order by received_at desc, id desc
        limit ?`,
      [filter.status ?? null, filter.status ?? null, afterTime ?? null, afterTime ?? null, afterId ?? null, limit],
    );
    const events = new Map((await this.em.fork().find(WebhookEvent, { id: { $in: keys.map((key) => key.id) } })).map((event) => [event.id, event]));
    return keys.flatMap((key) => (events.has(key.id) ? [{ event: events.get(key.id)!, sortKey: key.sort_key }] : []));
  }

  /** An operator's retry: a failed or dead event is processed again at the next sweep. */
  async requeue(id: string): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `update webhook_events set status = 'failed', next_attempt_at = now() where id = ? and status in ('failed', 'dead') returning id`,
      [id],
    );
    return rows.length === 1;
  }
}
