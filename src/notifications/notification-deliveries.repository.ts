import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { DeliveryState } from './notification-delivery.entity.js';

/** A delivery the deliverer took: what to send, where, and with which secrets. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  notificationId: string;
  type: string;
  data: Record<string, unknown>;
  created: string;
  /** When the delivery row was written (the fact's transaction), unix milliseconds. */
  queuedAtMs: number;
  endpointId: string;
  url: string;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | string | null;
}

export interface DeliveryLogEntry {
  id: string;
  notificationId: string;
  type: string;
  endpointId: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | string;
  deliveredAt: Date | string | null;
  createdAt: Date | string;
  data: Record<string, unknown>;
}

/**
 * Takes due deliveries (pending, or sending with a lapsed claim: the sender died), at most
 * $2 per endpoint in flight counting those other replicas hold. Locking the endpoint rows makes
 * the in-flight count exact across replicas: a second claimer skips a locked endpoint this round.
 * The claim lasts $3 ms (longer than a request can take); each claim counts as an attempt.
 */
const CLAIM_SQL = `
WITH candidates AS (
  SELECT d.id, d.endpoint_id, d.next_attempt_at
  FROM notification_deliveries d
  JOIN notification_endpoints ep ON ep.id = d.endpoint_id AND ep.enabled
  WHERE d.state IN ('pending', 'sending') AND d.next_attempt_at <= now()
  ORDER BY d.next_attempt_at, d.id
  LIMIT $1
  FOR UPDATE OF d, ep SKIP LOCKED
),
ranked AS (
  SELECT c.id, row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.next_attempt_at, c.id) AS rank, in_flight.n
  FROM candidates c
  CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM notification_deliveries f
    WHERE f.endpoint_id = c.endpoint_id AND f.state = 'sending' AND f.next_attempt_at > now()
  ) in_flight
)
UPDATE notification_deliveries d
SET state = 'sending', attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000)
FROM ranked r, notifications n, notification_endpoints ep
WHERE d.id = r.id AND r.rank + r.n <= $2 AND n.id = d.notification_id AND ep.id = d.endpoint_id
RETURNING d.id::text AS id, d.attempts, n.id AS "notificationId", n.type, n.data, extract(epoch FROM n.created_at)::bigint::text AS created,
          (extract(epoch FROM d.created_at) * 1000)::float8 AS "queuedAtMs",
          ep.id AS "endpointId", ep.url, ep.secret_ciphertext AS "secretCiphertext", ep.previous_secret_ciphertext AS "previousSecretCiphertext",
          ep.previous_secret_expires_at AS "previousSecretExpiresAt"`;

const LOG_COLUMNS = `d.id::text AS id, d.notification_id AS "notificationId", n.type, d.endpoint_id AS "endpointId", d.state, d.attempts,
  d.last_status AS "lastStatus", d.last_error AS "lastError", d.next_attempt_at AS "nextAttemptAt", d.delivered_at AS "deliveredAt",
  d.created_at AS "createdAt", n.data`;

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const NOTIFICATION_DELIVERY_READS = Symbol('NOTIFICATION_DELIVERY_READS');

@Injectable()
export class NotificationDeliveriesRepository {
  constructor(private readonly sql: NativeSql) {}

  claimDue(limit: number, maxInFlightPerEndpoint: number, claimMs: number): Promise<ClaimedDelivery[]> {
    return this.sql.query<ClaimedDelivery>(CLAIM_SQL, [limit, maxInFlightPerEndpoint, claimMs]);
  }

  /** Only a delivery still in this claim changes (a redeliver or a lapsed claim retaken meanwhile wins). */
  async markDelivered(id: string, attempts: number, status: number): Promise<void> {
    await this.sql.query(
      `UPDATE notification_deliveries SET state = 'delivered', delivered_at = now(), last_status = $3, last_error = NULL
       WHERE id = $1 AND state = 'sending' AND attempts = $2`,
      [id, attempts, status],
    );
  }

  /** Back to pending after `retryInMs`, or dead when `retryInMs` is null. */
  async markFailed(id: string, attempts: number, status: number | null, error: string, retryInMs: number | null): Promise<void> {
    await this.sql.query(
      `UPDATE notification_deliveries
       SET state = CASE WHEN $5::float8 IS NULL THEN 'dead' ELSE 'pending' END,
           next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $5::float8 / 1000) END,
           last_status = $3, last_error = $4
       WHERE id = $1 AND state = 'sending' AND attempts = $2`,
      [id, attempts, status, error.slice(0, 500), retryInMs],
    );
  }

  /** Newest first, `limit` entries with an id below `before` (the last entry of the previous page). */
  list(filter: { endpointId?: string; state?: DeliveryState; before?: string; limit: number }): Promise<DeliveryLogEntry[]> {
    return this.sql.query<DeliveryLogEntry>(
      `SELECT ${LOG_COLUMNS}
       FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE ($1::uuid IS NULL OR d.endpoint_id = $1) AND ($2::text IS NULL OR d.state = $2) AND ($3::bigint IS NULL OR d.id < $3)
       ORDER BY d.id DESC LIMIT $4`,
      [filter.endpointId ?? null, filter.state ?? null, filter.before ?? null, filter.limit],
    );
  }

  /** Due now with a fresh schedule, whatever its state; null when there is no such delivery. */
  async redeliver(id: string): Promise<DeliveryLogEntry | null> {
    const [row] = await this.sql.query<DeliveryLogEntry>(
      `WITH again AS (
         UPDATE notification_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
         WHERE id = $1 RETURNING *
       )
       SELECT ${LOG_COLUMNS} FROM again d JOIN notifications n ON n.id = d.notification_id`,
      [id],
    );
    return row ?? null;
  }
}
