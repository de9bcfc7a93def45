import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiExactlyOneOf } from '../common/openapi/exactly-one-of.decorator.js';
import { TEXT_255 } from '../metering/record-usage.dto.js';
import { MAX_EVENT_VALUE } from '../metering/usage-event.parser.js';
import { MAX_BATCH_CORRECTIONS, MAX_REASON_LENGTH } from './correction.parser.js';
import { CORRECTION_BILLING, type CorrectionBilling } from './usage-correction.entity.js';

/** The correction contract, for OpenAPI; enforced by parseCorrection (correction.parser.ts). */
@ApiExactlyOneOf('customerId', 'externalCustomerId')
export class RecordCorrectionDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: "the service's customer id; give this or externalCustomerId (null: absent)" })
  customerId?: string;

  @ApiPropertyOptional({ ...TEXT_255, nullable: true, example: 'acct_42', description: "the caller's own customer id; null: absent" })
  externalCustomerId?: string;

  @ApiProperty({ ...TEXT_255, example: 'req_7f3a', description: 'the idempotencyKey of the usage event to correct' })
  idempotencyKey!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_EVENT_VALUE, example: 10, description: 'the corrected value of the event; 0 voids it' })
  value!: number;

  @ApiProperty({ type: 'string', minLength: 1, pattern: '\\S', example: 'client sent 1000 instead of 10', maxLength: MAX_REASON_LENGTH, description: 'why: kept forever with the correction' })
  reason!: string;

  @ApiProperty({ ...TEXT_255, example: 'fix-7f3a-1', description: 'unique per customer: a retry with the same key and body is the same correction (200), with another body a 409' })
  correctionKey!: string;
}

export class CorrectionResponse {
  @ApiProperty({ example: '17', description: 'correction id (a bigint, as a string)' }) id!: string;
  @ApiProperty() correctionKey!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ example: '1234', description: 'the corrected usage event id' }) eventId!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty({ example: 'api_calls' }) meter!: string;
  @ApiProperty({ example: '1000', description: "the event's value before this correction (decimal string)" }) previousValue!: string;
  @ApiProperty({ example: '10', description: "the event's value from now on (decimal string; 0: voided)" }) value!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ example: 'mb_k3x9q2ab', description: 'prefix of the API key that made it' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    enum: CORRECTION_BILLING,
    description:
      "what happens to the money: pending (not reported yet: the next report carries the corrected total), adjusting (reported, period open: Stripe is corrected by a cancel and resend within 24 hours, else a compensating event), late (the period's invoice is final: the meter's late-usage policy applies)",
  })
  billing!: CorrectionBilling;
  @ApiProperty({ description: 'false when the correction changes nothing billable (a last meter event that is not the latest of its period)' })
  billable!: boolean;
  @ApiPropertyOptional({ enum: ['next_period', 'record_only'], description: "for late: the meter's policy (next_period: the difference goes into the current period; record_only: recorded as unbillable)" })
  lateUsagePolicy?: string;
}

export class CorrectionBatchDto {
  @ApiProperty({ type: [RecordCorrectionDto], minItems: 1, maxItems: MAX_BATCH_CORRECTIONS, description: `1 to ${MAX_BATCH_CORRECTIONS} corrections; more is a 413 CORRECTION_BATCH_TOO_LARGE` })
  corrections!: RecordCorrectionDto[];
}

export const BATCH_CORRECTION_STATUSES = ['created', 'duplicate', 'rejected'] as const;

export class CorrectionBatchError {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'USAGE_EVENT_NOT_FOUND' }) error!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } }) details?: unknown[];
}

export class CorrectionBatchResult {
  @ApiProperty({ description: 'position of the correction in the request' }) index!: number;
  @ApiProperty({ enum: BATCH_CORRECTION_STATUSES, description: 'duplicate: the correctionKey was already used with the same body' })
  status!: (typeof BATCH_CORRECTION_STATUSES)[number];
  @ApiPropertyOptional({ type: CorrectionResponse }) correction?: CorrectionResponse;
  @ApiPropertyOptional({ type: CorrectionBatchError, description: 'for rejected: the error the single route would have answered' }) error?: CorrectionBatchError;
}

export class CorrectionBatchResponse {
  @ApiProperty({ type: [CorrectionBatchResult], description: 'one result per correction, in request order' })
  results!: CorrectionBatchResult[];
}
