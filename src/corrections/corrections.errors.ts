import { DomainError } from '../common/errors/domain-error.js';
import { errorCodes } from '../common/errors/error-codes.js';

/** The corrections module's error codes, each with one status everywhere. */
export const CorrectionsErrors = errorCodes('corrections', {
  USAGE_EVENT_NOT_FOUND: 404,
  CORRECTION_NOT_APPLICABLE: 422,
  CORRECTION_KEY_CONFLICT: 409,
  CORRECTION_BATCH_TOO_LARGE: 413,
});

export const usageEventNotFound = (idempotencyKey: string) =>
  new DomainError(CorrectionsErrors.USAGE_EVENT_NOT_FOUND, `The customer has no usage event with idempotencyKey ${JSON.stringify(idempotencyKey)}`);

export const correctionNotApplicable = (message: string) => new DomainError(CorrectionsErrors.CORRECTION_NOT_APPLICABLE, message);

export const correctionKeyConflict = (correctionKey: string, stored: { idempotencyKey: string; value: string; reason: string }) =>
  new DomainError(CorrectionsErrors.CORRECTION_KEY_CONFLICT, `correctionKey ${JSON.stringify(correctionKey)} was already used for another correction`, [
    { field: 'correctionKey', problems: [`stored for event ${JSON.stringify(stored.idempotencyKey)} with value ${stored.value} and reason ${JSON.stringify(stored.reason)}`] },
  ]);

export const correctionBatchTooLarge = (max: number, count: number) =>
  new DomainError(CorrectionsErrors.CORRECTION_BATCH_TOO_LARGE, `A batch holds at most ${max} corrections; this one has ${count}. Split it into several requests.`);
