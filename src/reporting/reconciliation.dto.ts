import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { ReconciliationRunRecord, StoredDrift } from './reconciliation.repository.js';

export class ReconciliationRequest {
  @ApiPropertyOptional({ description: 'first UTC day compared (rounded down to the day); default: RECONCILIATION_LOOKBACK_DAYS days ending today' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'end of the range (rounded up to the next UTC day); default: the end of today' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;
}

export class DriftResponse {
  @ApiProperty() customerId!: string;
  @ApiProperty() meterId!: string;
  @ApiProperty({ description: 'UTC day start' }) day!: string;
  @ApiProperty({ description: 'units local state says reached Stripe that day (decimal string)' }) localUnits!: string;
  @ApiProperty({ description: "Stripe's meter event summary for that day (decimal string)" }) stripeUnits!: string;
  @ApiProperty({ description: 'stripeUnits − localUnits' }) difference!: string;
}

export class ReconciliationRunResponse {
  @ApiProperty() id!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ description: 'customer × meter × day cells compared' }) compared!: number;
  @ApiProperty() driftCount!: number;
  @ApiProperty({ type: [DriftResponse] }) drifts!: DriftResponse[];
}

const iso = (value: Date | string) => new Date(value).toISOString();

export function toReconciliationResponse(run: ReconciliationRunRecord, drifts: StoredDrift[]): ReconciliationRunResponse {
  return {
    id: run.id,
    from: iso(run.rangeFrom),
    to: iso(run.rangeTo),
    startedAt: iso(run.startedAt),
    finishedAt: run.finishedAt ? iso(run.finishedAt) : null,
    compared: run.compared,
    driftCount: run.driftCount,
    drifts: drifts.map((drift) => ({
      customerId: drift.customerId,
      meterId: drift.meterId,
      day: iso(drift.day),
      localUnits: drift.localUnits,
      stripeUnits: drift.stripeUnits,
      difference: drift.difference,
    })),
  };
}
