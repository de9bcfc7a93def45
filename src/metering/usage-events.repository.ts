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
 *
 * The events arrive as one array per column (recordEventsParameters): for a 1000-event batch that
 * costs the service a tenth of the time JSON.stringify of the events took, and PostgreSQL less to
 * read than json_to_recordset (docs/performance.md).
 */
export const RECORD_EVENTS_SQL = `
WITH input AS (
  SELECT (i.ordinality - 1)::int AS ord, i.*
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::boolean[], $7::jsonb[], $8::text[])
    WITH ORDINALITY AS i(customer_id, external_customer_id, meter, value, event_time, timestamp_given, properties, idempotency_key, ordinality)
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

/** RECORD_EVENTS_SQL's parameters: one array per column, in the order of its unnest; an event's position is its ord. */
export function recordEventsParameters(events: UsageEventInput[]): unknown[][] {
  return [
    events.map((event) => event.customerId),
    events.map((event) => event.externalCustomerId),
    events.map((event) => event.meter),
    events.map((event) => event.value),
    events.map((event) => event.eventTime),
    events.map((event) => event.timestampGiven),
    events.map((event) => event.properties),
    events.map((event) => event.idempotencyKey),
  ];
}

/** The ledger's speed-critical SQL, run on MikroORM's own pg pool with real bind parameters and prepared statements. */
@Injectable()
export class UsageEventsRepository {
  constructor(private readonly orm: MikroORM) {}

  private query<T>(name: string | undefined, text: string, values: unknown[]): Promise<T[]> {
    return nativeQuery<T>(this.orm, name, text, values);
  }

  /** Inserts what is new and reports on every event; see RECORD_EVENTS_SQL. */
  insertEvents(events: UsageEventInput[]): Promise<RecordedEventRow[]> {
    return this.query<RecordedEventRow>('usage-insert-events', RECORD_EVENTS_SQL, recordEventsParameters(events));
  }
}
