import { Injectable } from '@nestjs/common';
import { toErrorBody } from '../common/errors/error-body.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { customerNotFound } from '../customers/customers.errors.js';
import type { CorrectionBatchResult, CorrectionResponse } from './correction.dto.js';
import { parseCorrection, parseCorrectionBatch, type CorrectionInput } from './correction.parser.js';
import { correctionKeyConflict, correctionNotApplicable, usageEventNotFound } from './corrections.errors.js';
import { CorrectionsRepository, type CorrectionRow, type LockedEvent, type TxQuery } from './corrections.repository.js';

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

/**
 * Corrections of recorded usage: append-only ledger entries that the reporter carries to Stripe
 * like new usage (report-claim.sql.ts, ledgerRows). Each is made in one transaction holding the
 * corrected event's row lock, so corrections of one event (and retries racing on two replicas)
 * are made one after the other and each sees the value the previous one left.
 */
@Injectable()
export class CorrectionsService {
  constructor(
    private readonly repository: CorrectionsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Throws the correction's DomainError (400, 404, 409, 422). */
  async recordOne(body: unknown, createdBy: string): Promise<CorrectionOutcome> {
    const parsed = parseCorrection(body);
    if (!parsed.ok) throw parsed.error;
    return this.record(parsed.correction, createdBy);
  }

  /** Each correction in its own transaction; one result per element, in request order. */
  async recordBatch(body: unknown, createdBy: string): Promise<CorrectionBatchResult[]> {
    const results: CorrectionBatchResult[] = [];
    for (const [index, element] of parseCorrectionBatch(body).entries()) {
      try {
        results.push({ index, ...(await this.recordOne(element, createdBy)) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results.push({ index, status: 'rejected', error: toErrorBody(error) });
      }
    }
    return results;
  }

  private record(input: CorrectionInput, createdBy: string): Promise<CorrectionOutcome> {
    return this.repository.transaction(async (query) => {
      const customerId = await this.repository.resolveCustomer(query, input.customerId, input.externalCustomerId);
      if (!customerId) throw customerNotFound(input.customerId ? `id ${input.customerId}` : `externalId ${JSON.stringify(input.externalCustomerId)}`);
      const event = await this.repository.lockEvent(query, customerId, input.idempotencyKey);
      const replay = await this.replayOf(query, customerId, input, event?.id);
      if (replay) return replay;
      if (!event) throw usageEventNotFound(input.idempotencyKey);
      const created = await this.repository.insert(query, { ...(await this.effect(query, customerId, event, input)), event, customerId, correctionKey: input.correctionKey, value: String(input.value), reason: input.reason, createdBy });
      // the key was taken by a correction of another event committed meanwhile
      return created ? { status: 'created', correction: toResponse(created) } : (await this.replayOf(query, customerId, input, event.id))!;
    });
  }

  private async replayOf(query: TxQuery, customerId: string, input: CorrectionInput, eventId: string | undefined): Promise<CorrectionOutcome | undefined> {
    const stored = await this.repository.byKey(query, customerId, input.correctionKey);
    if (!stored) return undefined;
    if (!sameCorrection(stored, input, eventId)) throw correctionKeyConflict(input.correctionKey, stored);
    return { status: 'duplicate', correction: toResponse(stored) };
  }

  /**
   * What the correction does to reports, by the meter's aggregation: sum meters report the
   * difference; count meters can only void (an event counts once whatever its value), -1 the
   * first time; last meters report the new latest value when the event is its period's latest
   * (a void falls back to the latest earlier event), and nothing otherwise.
   */
  private async effect(query: TxQuery, customerId: string, event: LockedEvent, input: CorrectionInput) {
    const billing = await this.repository.billingOf(query, customerId, event, this.config.reporting.finalizationGraceMinutes);
    if (event.aggregation === 'count') {
      if (input.value !== 0) throw correctionNotApplicable(`Meter ${JSON.stringify(event.meter)} counts events: an event can only be voided (value 0), not amended`);
      return { reportUnits: event.corrected && event.currentValue === '0' ? '0' : '-1', billable: true, billing };
    }
    if (event.aggregation === 'sum') return { reportUnits: (BigInt(input.value) - BigInt(event.currentValue)).toString(), billable: true, billing };
    const position = await this.repository.lastMeterPosition(query, customerId, event);
    if (!position.latest) return { reportUnits: '0', billable: false, billing };
    return { reportUnits: input.value === 0 ? position.fallback : String(input.value), billable: true, billing };
  }
}
