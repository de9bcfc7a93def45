import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlQuery } from '../database/transaction-watermark.js';
import type { NotificationDraft } from './notification-types.js';

/**
 * Stores the notifications and one delivery per enabled endpoint subscribed to each type, in one
 * statement. A notification already stored (same id) is left as it is and fans out to no one again.
 */
const ENQUEUE_SQL = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS i(id text, type text, data jsonb)
),
stored AS (
  INSERT INTO notifications (id, type, data)
  SELECT id, type, data FROM input
  ON CONFLICT (id) DO NOTHING
  RETURNING id, type
)
INSERT INTO notification_deliveries (notification_id, endpoint_id)
SELECT s.id, ep.id
FROM stored s
JOIN notification_endpoints ep ON ep.enabled AND s.type = ANY(ep.events)`;

/** The notification id of a fact: derived from its type and key, never from the clock. */
export const notificationId = (draft: Pick<NotificationDraft, 'type' | 'key'>) =>
  `ntf_${createHash('sha256').update(`${draft.type}\u0000${draft.key}`).digest('hex').slice(0, 32)}`;

/**
 * The port other modules call to announce a fact: an outbox insert on the caller's own
 * transaction, so the notification exists exactly when the fact committed (never lost if the
 * process dies after the fact, never sent for a fact that rolled back). The deliverer sends it later.
 */
@Injectable()
export class NotificationOutbox {
  /** Inside a NativeSql.transaction (its `query`). */
  async enqueue(query: SqlQuery, drafts: NotificationDraft[]): Promise<void> {
    if (!drafts.length) return;
    const rows = drafts.map((draft) => ({ id: notificationId(draft), type: draft.type, data: draft.data }));
    await query(ENQUEUE_SQL, [JSON.stringify(rows)]);
  }

  /** Inside a MikroORM transaction (`em.transactional(async (em) => …)`). */
  enqueueWithEntityManager(em: EntityManager, drafts: NotificationDraft[]): Promise<void> {
    return this.enqueue(<R>(text: string, values: unknown[] = []) => em.execute<R[]>(text.replace(/\$\d+/g, '?'), values), drafts);
  }
}
