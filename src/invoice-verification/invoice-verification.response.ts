import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/pagination.js';
import { VERIFICATION_STATES, type VerificationState } from './invoice-verification.entity.js';
import type { VerificationRecord } from './invoice-verifications.repository.js';

/** The states a verification may be listed by, for callers outside this module. */
export { VERIFICATION_STATES };

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export class ListVerificationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: VERIFICATION_STATES })
  @IsOptional()
  @IsIn(VERIFICATION_STATES)
  state?: VerificationState;
}

export class ReleaseInvoiceRequest {
  @ApiPropertyOptional({ maxLength: 500, description: 'why the invoice may finalize; sent in the invoice.released notification' })
  @IsOptional()
  @MaxLength(500)
  reason?: string;
}

export class VerifiedLineResponse {
  @ApiProperty() stripePriceId!: string;
  @ApiProperty() meterId!: string;
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
  @ApiProperty({ description: "the ledger's billable units for the line's period (decimal string)" }) ledgerUnits!: string;
  @ApiProperty({ description: "the line's quantity (decimal string)" }) invoiceUnits!: string;
  @ApiProperty({ description: 'invoiceUnits − ledgerUnits' }) unitDifference!: string;
  @ApiProperty({ description: 'what the line charges beyond (positive) or short of (negative) the ledger, in minor units' }) amountDifference!: number;
  @ApiProperty() currency!: string;
}

export class InvoiceVerificationResponse {
  @ApiProperty() stripeInvoiceId!: string;
  @ApiProperty() stripeSubscriptionId!: string;
  @ApiProperty({ enum: VERIFICATION_STATES }) state!: string;
  @ApiProperty({ description: 'checks made so far' }) checks!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'pending: when it is checked next' }) nextCheckAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: "Stripe's scheduled finalization when last seen" }) finalizesAt!: string | null;
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
  @ApiProperty({ type: [VerifiedLineResponse], description: 'every metered line compared at the last check' }) lines!: VerifiedLineResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'what disagrees' }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) releasedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) releaseReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(row: VerificationRecord): InvoiceVerificationResponse {
    return {
      stripeInvoiceId: row.stripeInvoiceId,
      stripeSubscriptionId: row.stripeSubscriptionId,
      state: row.state,
      checks: row.checks,
      nextCheckAt: row.state === 'pending' ? iso(row.nextCheckAt) : null,
      finalizesAt: iso(row.finalizesAt),
      periodStart: iso(row.periodStart)!,
      periodEnd: iso(row.periodEnd)!,
      lines: row.lines.map((line) => ({ ...line })),
      reason: row.reason,
      decidedAt: iso(row.decidedAt),
      releasedAt: iso(row.releasedAt),
      releaseReason: row.releaseReason,
      createdAt: iso(row.createdAt)!,
    };
  }
}
