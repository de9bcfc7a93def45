import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { isoUtc } from '../database/iso-utc.js';
import { nativeQuery } from '../database/native-query.js';
import type { UsageEventInput } from './usage-event.parser.js';

/** One row per input event, in no particular order: what the insert statement decided about it. */
export interface RecordedEventRow {
  /** Position of the event in the list given to insertEvents. */
  ord: number;
  /** The resolved customer; null when neither customerId nor externalCustomerId matched one. */
  customer_id: string | null;
  meter_found: boolean;
  meter_active: boolean;
  /** 1 for the copy of a (customer, idempotencyKey) that this statement tried to insert; 2, 3, … for repeats within the list. */
  occurrence: number;
  /** Set when this statement inserted the key. */
  inserted_id: string | null;
  /** Set when the key was already stored before this statement started. */
  stored_id: string | null;
  stored_meter: string | null;
  stored_value: string | null;
  stored_timestamp: string | null;
  stored_properties: Record<string, unknown> | null;
}


/**
 * Resolves customers and meters, inserts every new (customer, idempotencyKey) once and reports,
 * for every input, what happened and what was already stored: the whole batch in one round trip.
 *
 * The final SELECT reads usage_events with the statement's snapshot, which does not include the
 * rows the `inserted` CTE wrote (so a hit there means "stored before") nor rows committed by a
 * concurrent transaction while ON CONFLICT waited for it: such an event has neither inserted_id
 * nor stored_id, and the caller runs the statement again for it.
 *
 * Rows are inserted in (customer, key) order so that two batches sharing keys wait on each other
 * in the same order instead of deadlocking.
 */
export const RECORD_EVENTS_SQL = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS i(
    ord int, customer_id uuid, external_customer_id text, meter text, value bigint,
    event_time timestamptz, timestamp_given boolean, properties jsonb, idempotency_key text)
),
resolved AS (
  SELECT i.ord, i.idempotency_key, i.value, i.event_time, i.timestamp_given, i.properties,
         customer.id AS customer_id, m.id AS meter_id, coalesce(m.active, false) AS meter_active
  FROM input i
  -- one index probe per event (by id, else by external id): as a join the planner may hash the whole customers table per group
  LEFT JOIN LATERAL (
    SELECT id FROM customers WHERE id = i.customer_id
    UNION ALL
    SELECT id FROM customers WHERE external_id = i.external_customer_id
    LIMIT 1
  ) customer ON true
  LEFT JOIN meters m ON m.key = i.meter
),
ranked AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.customer_id, r.idempotency_key ORDER BY r.meter_active DESC, r.ord)::int AS occurrence
  FROM resolved r
),
inserted AS (
  INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time, timestamp_defaulted, properties)
  SELECT customer_id, meter_id, idempotency_key, value, event_time, NOT timestamp_given, properties
  FROM ranked
  WHERE customer_id IS NOT NULL AND meter_active AND occurrence = 1
  ORDER BY customer_id, idempotency_key
  ON CONFLICT (customer_id, idempotency_key) DO NOTHING
  RETURNING id, customer_id, idempotency_key
)
SELECT r.ord, r.customer_id, r.meter_id IS NOT NULL AS meter_found, r.meter_active, r.occurrence,
       ins.id AS inserted_id, stored.id AS stored_id, stored.meter_key AS stored_meter, stored.value::text AS stored_value,
       ${isoUtc('stored.event_time')} AS stored_timestamp, stored.properties AS stored_properties
FROM ranked r
LEFT JOIN inserted ins ON ins.customer_id = r.customer_id AND ins.idempotency_key = r.idempotency_key
-- one unique-index probe per event not inserted here (an inserted key cannot have been stored before, so
-- the probe is skipped: a one-time filter): as a plain join, a plan made while usage_events looked empty
-- (a new or just truncated table) hashes it, reading the whole table for every group until the next ANALYZE
LEFT JOIN LATERAL (
  SELECT e.id, m.key AS meter_key, e.value, e.event_time, e.properties
  FROM usage_events e JOIN meters m ON m.id = e.meter_id
  WHERE ins.id IS NULL AND e.customer_id = r.customer_id AND e.idempotency_key = r.idempotency_key
  LIMIT 1
) stored ON true`;

/** The ledger's speed-critical SQL, run on MikroORM's own pg pool with real bind parameters and prepared statements. */
@Injectable()
export class UsageEventsRepository {
  constructor(private readonly orm: MikroORM) {}

  private query<T>(name: string | undefined, text: string, values: unknown[]): Promise<T[]> {
    return nativeQuery<T>(this.orm, name, text, values);
  }

  /** Inserts what is new and reports on every event; see RECORD_EVENTS_SQL. */
  insertEvents(events: UsageEventInput[]): Promise<RecordedEventRow[]> {
    const input = events.map((event, ord) => ({
      ord,
      customer_id: event.customerId,
      external_customer_id: event.externalCustomerId,
      meter: event.meter,
      value: event.value,
      event_time: event.eventTime,
      timestamp_given: event.timestampGiven,
      properties: event.properties,
      idempotency_key: event.idempotencyKey,
    }));
    return this.query<RecordedEventRow>('usage-insert-events', RECORD_EVENTS_SQL, [JSON.stringify(input)]);
  }
}
