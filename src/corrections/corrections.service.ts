import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { toErrorBody } from '../common/errors/error-body.js';
import { DomainError } from '../common/errors/domain-error.js';
import { reportingConfig } from '../config/namespaces.js';
import { customerNotFound } from '../customers/customers.errors.js';
import type { CorrectionBatchResult, CorrectionResponse } from './correction.dto.js';
import { parseCorrection, parseCorrectionBatch, type CorrectionInput } from './correction.parser.js';
import { correctionKeyConflict, correctionNotApplicable, usageEventNotFound } from './corrections.errors.js';
import { CorrectionsRepository, keyOf, type CorrectionRow, type LockedEvent, type NewCorrection, type TxQuery } from './corrections.repository.js';
import type { CorrectionBilling } from './usage-correction.entity.js';

export interface CorrectionOutcome {
  status: 'created' | 'duplicate';
  correction: CorrectionResponse;
}

function toResponse(row: CorrectionRow): CorrectionResponse {
  return {
    id: row.id,
    correctionKey: row.correctionKey,
    customerId: row.customerId,
    eventId: row.eventId,
    idempotencyKey: row.idempotencyKey,
    meter: row.meter,
    previousValue: row.previousValue,
    value: row.value,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: new Date(row.createdAt).toISOString(),
    billing: row.billing,
    billable: row.billable,
    ...(row.billing === 'late' ? { lateUsagePolicy: row.lateUsagePolicy } : {}),
  };
}

/** A retry of the same correction: same key, same event, value and reason. */
function sameCorrection(row: CorrectionRow, input: CorrectionInput, eventId: string | undefined): boolean {
  return row.eventId === eventId && row.value === String(input.value) && row.reason === input.reason;
}

const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 3;

type ItemOutcome = CorrectionOutcome | { status: 'rejected'; error: DomainError };

/** What the corrections of one batch know while they are decided in request order. */
interface BatchState {
  customers: (string | undefined)[];
  events: Map<string, LockedEvent>;
  /** Stored corrections by keyOf(customer, correctionKey), and those this batch inserts. */
  stored: Map<string, CorrectionRow>;
  billing: Map<string, CorrectionBilling>;
  /** Decided, not yet inserted, by key (a repeat of one in the batch is settled once it is stored), with the item's position. */
  queued: Map<string, { position: number; correction: NewCorrection; wasCorrected: boolean }>;
  outcomes: (ItemOutcome | undefined)[];
}

/**
 * Corrections of recorded usage: append-only ledger entries that the reporter carries to Stripe
 * like new usage (report-claim.sql.ts, ledgerRows). A request (one correction, or a batch of up
 * to 1000) is one transaction of a few set-based statements: resolve the customers, lock the
 * corrected events (in id order), read them and the stored correction keys, decide each
 * correction in request order, insert them all at once. The events' row locks make corrections
 * of one event (and retries racing on two replicas) one after the other, each seeing the value
 * the previous one left; a bad element stores nothing and does not hold back the others.
 */
@Injectable()
export class CorrectionsService {
  constructor(
    private readonly repository: CorrectionsRepository,
    @Inject(reportingConfig.KEY) private readonly reporting: ConfigType<typeof reportingConfig>,
  ) {}

  /** Throws the correction's DomainError (400, 404, 409, 422). */
  async recordOne(body: unknown, createdBy: string): Promise<CorrectionOutcome> {
    const parsed = parseCorrection(body);
    if (!parsed.ok) throw parsed.error;
    const [outcome] = await this.record([parsed.correction], createdBy);
    if (outcome!.status === 'rejected') throw outcome!.error;
    return outcome!;
  }

  /** One result per element, in request order. */
  async recordBatch(body: unknown, createdBy: string): Promise<CorrectionBatchResult[]> {
    const parsed = parseCorrectionBatch(body).map(parseCorrection);
    const valid = parsed.flatMap((result) => (result.ok ? [result.correction] : []));
    const outcomes = valid.length ? await this.record(valid, createdBy) : [];
    let next = 0;
    return parsed.map((result, index): CorrectionBatchResult => {
      const outcome: ItemOutcome = result.ok ? outcomes[next++]! : { status: 'rejected', error: result.error };
      return outcome.status === 'rejected' ? { index, status: 'rejected', error: toErrorBody(outcome.error) } : { index, ...outcome };
    });
  }

  /**
   * Outcomes in the order of `inputs`. Two batches can only deadlock when they reuse each other's
   * correction keys for other events (each answered 409 in the end): the loser is tried again.
   */
  private async record(inputs: CorrectionInput[], createdBy: string): Promise<ItemOutcome[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.recordOnce(inputs, createdBy);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || (error as { code?: string }).code !== DEADLOCK_DETECTED) throw error;
      }
    }
  }

  private recordOnce(inputs: CorrectionInput[], createdBy: string): Promise<ItemOutcome[]> {
    return this.repository.transaction(async (query) => {
      const customers = await this.repository.resolveCustomers(query, inputs);
      const found = inputs.flatMap((input, position) => {
        const customerId = customers[position];
        return customerId ? [{ customerId, idempotencyKey: input.idempotencyKey, correctionKey: input.correctionKey }] : [];
      });
      // locks first: the stored keys read afterwards include what a racing replica committed meanwhile
      const events = await this.repository.lockEvents(query, found);
      const state: BatchState = {
        customers,
        events,
        stored: await this.repository.byKeys(query, found),
        billing: await this.repository.billingOf(query, [...events.values()], this.reporting.finalizationGraceMinutes),
        queued: new Map(),
        outcomes: [],
      };
      for (const [position, input] of inputs.entries()) {
        try {
          await this.decide(query, state, position, input, createdBy);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          state.outcomes[position] = { status: 'rejected', error };
        }
      }
      await this.insertQueued(query, state);
      return inputs.map((input, position) => state.outcomes[position] ?? this.settle(state, position, input));
    });
  }

  private async decide(query: TxQuery, state: BatchState, position: number, input: CorrectionInput, createdBy: string): Promise<void> {
    const customerId = state.customers[position];
    if (!customerId) throw customerNotFound(input.customerId ? `id ${input.customerId}` : `externalId ${JSON.stringify(input.externalCustomerId)}`);
    const event = state.events.get(keyOf(customerId, input.idempotencyKey));
    const key = keyOf(customerId, input.correctionKey);
    if (state.queued.has(key)) return; // decided with the queued correction once it is stored (flush)
    const stored = state.stored.get(key);
    if (stored) {
      state.outcomes[position] = replayOf(stored, input, event?.id);
      return;
    }
    if (!event) throw usageEventNotFound(input.idempotencyKey);
    // store what is decided first when this correction depends on it: a last meter's position reads the
    // stored values of the events before it, and a second correction of an event starts from the first
    // one's value, which must really be stored (its key may have been taken meanwhile)
    if (event.aggregation === 'last' || [...state.queued.values()].some((entry) => entry.correction.event === event)) await this.insertQueued(query, state);
    const correction: NewCorrection = { ...(await this.effect(query, state, event, input)), event, correctionKey: input.correctionKey, value: String(input.value), previousValue: event.currentValue, reason: input.reason, createdBy };
    state.queued.set(key, { position, correction, wasCorrected: event.corrected });
    // the batch's next correction of this event starts from this one's value
    event.currentValue = correction.value;
    event.corrected = true;
  }

  /**
   * Inserts the decided corrections (at most one per event): each inserted one is created; a key
   * taken meanwhile (by a correction of another event) is read back for settle.
   */
  private async insertQueued(query: TxQuery, state: BatchState): Promise<void> {
    const queued = [...state.queued.values()];
    state.queued.clear();
    const inserted = await this.repository.insert(query, queued.map((entry) => entry.correction));
    const taken: { customerId: string; correctionKey: string }[] = [];
    for (const { position, correction, wasCorrected } of queued) {
      const key = keyOf(correction.event.customerId, correction.correctionKey);
      const row = inserted.get(key);
      if (row) {
        state.outcomes[position] = { status: 'created', correction: toResponse(row) };
        continue;
      }
      taken.push({ customerId: correction.event.customerId, correctionKey: correction.correctionKey });
      // not made: the event keeps the value it had
      Object.assign(correction.event, { currentValue: correction.previousValue, corrected: wasCorrected });
    }
    for (const [key, row] of [...inserted, ...(await this.repository.byKeys(query, taken))]) state.stored.set(key, row);
  }

  /** An item answered by the correction stored under its key: a repeat in the batch, or a key taken meanwhile. */
  private settle(state: BatchState, position: number, input: CorrectionInput): ItemOutcome {
    const customerId = state.customers[position]!;
    try {
      return replayOf(state.stored.get(keyOf(customerId, input.correctionKey))!, input, state.events.get(keyOf(customerId, input.idempotencyKey))?.id);
    } catch (error) {
      return { status: 'rejected', error: error as DomainError };
    }
  }

  /**
   * What the correction does to reports, by the meter's aggregation: sum meters report the
   * difference; count meters can only void (an event counts once whatever its value), -1 the
   * first time; last meters report the new latest value when the event is its period's latest
   * (a void falls back to the latest earlier event), and nothing otherwise.
   */
  private async effect(query: TxQuery, state: BatchState, event: LockedEvent, input: CorrectionInput) {
    const billing = state.billing.get(event.id)!;
    if (event.aggregation === 'count') {
      if (input.value !== 0) throw correctionNotApplicable(`Meter ${JSON.stringify(event.meter)} counts events: an event can only be voided (value 0), not amended`);
      return { reportUnits: event.corrected && event.currentValue === '0' ? '0' : '-1', billable: true, billing };
    }
    if (event.aggregation === 'sum') return { reportUnits: (BigInt(input.value) - BigInt(event.currentValue)).toString(), billable: true, billing };
    const position = await this.repository.lastMeterPosition(query, event.customerId, event);
    if (!position.latest) return { reportUnits: '0', billable: false, billing };
    return { reportUnits: input.value === 0 ? position.fallback : String(input.value), billable: true, billing };
  }
}

/** A retry of the correction stored under the key answers it (duplicate); another body under the key is a 409. */
function replayOf(stored: CorrectionRow, input: CorrectionInput, eventId: string | undefined): CorrectionOutcome {
  if (!sameCorrection(stored, input, eventId)) throw correctionKeyConflict(input.correctionKey, stored);
  return { status: 'duplicate', correction: toResponse(stored) };
}
