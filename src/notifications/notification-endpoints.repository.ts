import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { NotificationEndpoint } from './notification-endpoint.entity.js';

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const NOTIFICATION_ENDPOINT_READS = Symbol('NOTIFICATION_ENDPOINT_READS');

@Injectable()
export class NotificationEndpointsRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(endpoint: NotificationEndpoint): Promise<NotificationEndpoint> {
    const em = this.em.fork();
    await em.persist(endpoint).flush();
    return endpoint;
  }

  /** By id, `limit` endpoints after the id `after` (the last of the previous page). */
  list(after: string | undefined, limit: number): Promise<NotificationEndpoint[]> {
    return this.em.fork().find(NotificationEndpoint, after ? { id: { $gt: after } } : {}, { orderBy: { id: 'asc' }, limit });
  }

  findById(id: string): Promise<NotificationEndpoint | null> {
    return this.em.fork().findOne(NotificationEndpoint, { id });
  }

  /** Applies `change` to the endpoint under its row lock; null when there is no such endpoint. */
  update(id: string, change: (endpoint: NotificationEndpoint) => void): Promise<NotificationEndpoint | null> {
    return this.em.fork().transactional(async (em) => {
      const endpoint = await em.findOne(NotificationEndpoint, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!endpoint) return null;
      change(endpoint);
      endpoint.updatedAt = new Date();
      return endpoint;
    });
  }

  /** The endpoint and its delivery log go together. */
  async delete(id: string): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `WITH gone AS (DELETE FROM notification_endpoints WHERE id = ? RETURNING id),
            log AS (DELETE FROM notification_deliveries d USING gone WHERE d.endpoint_id = gone.id)
       SELECT id FROM gone`,
      [id],
    );
    return rows.length === 1;
  }

  /** An endpoint that answered 410 Gone receives nothing more until an operator enables it again. */
  async disable(id: string, reason: string): Promise<void> {
    await this.em.execute(`UPDATE notification_endpoints SET enabled = false, disabled_reason = ?, updated_at = now() WHERE id = ?`, [reason, id]);
  }
}
