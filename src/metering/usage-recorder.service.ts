import { Injectable } from '@nestjs/common';
import type { DomainError } from '../common/errors/domain-error.js';
import type { UsageEventInput } from './usage-event.parser.js';
import { customerNotFound } from '../customers/customers.errors.js';
import { meterInactive, meterNotFound } from './metering.errors.js';
import { UsageEventsRepository, type RecordedEventRow } from './usage-events.repository.js';
import { contentDifferences, idempotencyConflict, storedContentOf, type StoredUsageContent } from './usage-idempotency.js';

export type UsageOutcome =
  | { status: 'accepted' | 'duplicate'; id: string }
  | { status: 'rejected'; error: DomainError };

/** A concurrent commit can hide a key from one statement; a third miss in a row means something else is wrong. */
const MAX_ATTEMPTS = 3;
const DEADLOCK_DETECTED = '40P01';

const keyOf = (customerId: string, idempotencyKey: string) => `${customerId}\u0000${idempotencyKey}`;

const customerReference = (event: UsageEventInput) =>
  event.customerId ? `id ${event.customerId}` : `externalCustomerId ${JSON.stringify(event.externalCustomerId)}`;

function compared(stored: StoredUsageContent, id: string, event: UsageEventInput): UsageOutcome {
  const differences = contentDifferences(stored, event);
  return differences.length === 0 ? { status: 'duplicate', id } : { status: 'rejected', error: idempotencyConflict(event.idempotencyKey, differences) };
}

/**
 * What the insert statement's answer means for one event, or undefined when the statement could
 * not see the key's row (committed meanwhile by a concurrent transaction) and must run again.
 */
export function outcomeOf(row: RecordedEventRow, event: UsageEventInput, firstCopy: UsageEventInput | undefined): UsageOutcome | undefined {
  if (row.customer_id === null) return { status: 'rejected', error: customerNotFound(customerReference(event)) };
  if (!row.meter_found) return { status: 'rejected', error: meterNotFound(event.meter) };
  if (row.stored_id !== null) {
    const stored = { meter: row.stored_meter!, value: row.stored_value!, timestamp: row.stored_timestamp!, properties: row.stored_properties };
    return compared(stored, row.stored_id, event);
  }
  if (!row.meter_active) return { status: 'rejected', error: meterInactive(event.meter) };
  if (row.inserted_id === null) return undefined;
  // a repeat of a key earlier in the same list is compared with that first copy, which was just inserted
  return row.occurrence === 1 ? { status: 'accepted', id: row.inserted_id } : compared(storedContentOf(firstCopy!), row.inserted_id, event);
}

/** The first copy of each key, when the list repeats a key (a repeat is compared with it); undefined, and nothing built, when none does. */
function firstCopiesOfRepeatedKeys(rows: RecordedEventRow[], batch: UsageEventInput[]): Map<string, UsageEventInput> | undefined {
  if (!rows.some((row) => row.occurrence > 1)) return undefined;
  const firstCopies = new Map<string, UsageEventInput>();
  for (const row of rows) {
    if (row.occurrence === 1 && row.customer_id !== null) firstCopies.set(keyOf(row.customer_id, batch[row.ord]!.idempotencyKey), batch[row.ord]!);
  }
  return firstCopies;
}

/** Records validated events and tells, per event, whether it was accepted, a duplicate or rejected. */
@Injectable()
export class UsageRecorder {
  constructor(private readonly repository: UsageEventsRepository) {}

  /** One database round trip for the whole list; another only for keys a concurrent writer committed meanwhile. */
  async record(events: UsageEventInput[]): Promise<UsageOutcome[]> {
    const outcomes = new Array<UsageOutcome>(events.length);
    let pending = events.map((_, index) => index);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`usage events stayed unresolved after ${MAX_ATTEMPTS} attempts`);
      const batch = pending.map((index) => events[index]!);
      const rows = await this.insertEvents(batch);
      const firstCopies = firstCopiesOfRepeatedKeys(rows, batch);
      const unresolved: number[] = [];
      for (const row of rows) {
        const event = batch[row.ord]!;
        const outcome = outcomeOf(row, event, row.customer_id === null ? undefined : firstCopies?.get(keyOf(row.customer_id, event.idempotencyKey)));
        if (outcome) outcomes[pending[row.ord]!] = outcome;
        else unresolved.push(pending[row.ord]!);
      }
      pending = unresolved;
    }
    return outcomes;
  }

  /** Keys are inserted in a fixed order, so a deadlock needs a rare interleaving; retrying it is safe (nothing committed). */
  private async insertEvents(batch: UsageEventInput[]): Promise<RecordedEventRow[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.repository.insertEvents(batch);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || (error as { code?: string }).code !== DEADLOCK_DETECTED) throw error;
      }
    }
  }
}
