import type { DomainError, ErrorDetail } from '../common/errors/domain-error.js';
import { isPlainObject, MAX_EVENT_VALUE, parseCustomer, text, validationFailed } from '../metering/usage-event.parser.js';
import { correctionBatchTooLarge } from './corrections.errors.js';

/**
 * Validation of corrections, by hand like usage events (usage-event.parser.ts) so that one bad
 * element of a batch is one result. The DTOs in correction.dto.ts document the contract.
 */

export const MAX_BATCH_CORRECTIONS = 1000;
export const MAX_REASON_LENGTH = 1000;
const CORRECTION_FIELDS = ['customerId', 'externalCustomerId', 'idempotencyKey', 'value', 'reason', 'correctionKey'];

export interface CorrectionInput {
  customerId: string | null;
  externalCustomerId: string | null;
  /** The corrected event's idempotencyKey. */
  idempotencyKey: string;
  /** The event's corrected value; 0 voids it. */
  value: number;
  reason: string;
  correctionKey: string;
}

export type ParsedCorrection = { ok: true; correction: CorrectionInput } | { ok: false; error: DomainError };

const TEXT_PROBLEM = (field: string, max: number) => `${field} must be a string of 1 to ${max} characters without control characters or unpaired surrogates`;

export function parseCorrection(body: unknown): ParsedCorrection {
  if (!isPlainObject(body)) return { ok: false, error: validationFailed('A correction must be a JSON object', []) };
  const problems: ErrorDetail[] = Object.keys(body)
    .filter((field) => !CORRECTION_FIELDS.includes(field))
    .map((field) => ({ field, problems: [`property ${field} should not exist`] }));
  const customer = parseCustomer(body, problems);
  const idempotencyKey = text(body.idempotencyKey, 255);
  if (idempotencyKey === undefined) problems.push({ field: 'idempotencyKey', problems: [TEXT_PROBLEM('idempotencyKey (of the event to correct)', 255)] });
  const correctionKey = text(body.correctionKey, 255);
  if (correctionKey === undefined) problems.push({ field: 'correctionKey', problems: [TEXT_PROBLEM('correctionKey', 255)] });
  // a reason is required: the ledger keeps why every correction was made
  const reason = typeof body.reason === 'string' && body.reason.trim() === '' ? undefined : text(body.reason, MAX_REASON_LENGTH);
  if (reason === undefined) problems.push({ field: 'reason', problems: [`reason is required: ${TEXT_PROBLEM('a non-blank reason', MAX_REASON_LENGTH)}`] });
  const { value } = body;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_EVENT_VALUE) {
    problems.push({ field: 'value', problems: [`value is required: the corrected value, a whole number from 0 (void) to ${MAX_EVENT_VALUE}`] });
  }
  if (problems.length > 0) return { ok: false, error: validationFailed('The correction is invalid', problems) };
  return { ok: true, correction: { ...customer, idempotencyKey: idempotencyKey!, value: value as number, reason: reason!, correctionKey: correctionKey! } };
}

/** The batch envelope `{corrections: [...]}`, 1 to 1000 elements, each parsed afterwards. */
export function parseCorrectionBatch(body: unknown): unknown[] {
  if (!isPlainObject(body)) throw validationFailed('The request body must be a JSON object', []);
  const unknownFields = Object.keys(body).filter((field) => field !== 'corrections');
  if (unknownFields.length > 0) throw validationFailed('The request is invalid', unknownFields.map((field) => ({ field, problems: [`property ${field} should not exist`] })));
  const { corrections } = body;
  if (!Array.isArray(corrections) || corrections.length === 0) {
    throw validationFailed('The request is invalid', [{ field: 'corrections', problems: ['corrections must be a non-empty array of corrections'] }]);
  }
  if (corrections.length > MAX_BATCH_CORRECTIONS) throw correctionBatchTooLarge(MAX_BATCH_CORRECTIONS, corrections.length);
  return corrections;
}
