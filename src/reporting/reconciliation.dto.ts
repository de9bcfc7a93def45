import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { DriftCell, ReconciliationRunRecord } from './reconciliation.repository.js';

export class ReconciliationRequest {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'first UTC day compared (rounded down to the day); default: RECONCILIATION_LOOKBACK_DAYS days ending today' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-08T00:00:00Z', description: 'end of the range (rounded up to the next UTC day); default: the end of today' })
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
  @ApiProperty({ nullable: true }) finishedAt!: string | null;
  @ApiProperty({ description: 'customer × meter × day cells compared' }) compared!: number;
  @ApiProperty() driftCount!: number;
  @ApiProperty({ type: [DriftResponse] }) drifts!: DriftResponse[];
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** Exact decimal difference of two decimal strings (units are whole numbers; Stripe's may carry a fraction). */
function difference(stripe: string, local: string): string {
  const scale = 1_000_000n;
  const toScaled = (value: string) => {
    const [whole = '0', fraction = ''] = value.split('.');
    const negative = whole.startsWith('-');
    const magnitude = BigInt(whole.replace('-', '')) * scale + BigInt((fraction + '000000').slice(0, 6));
    return negative ? -magnitude : magnitude;
  };
  const diff = toScaled(stripe) - toScaled(local);
  const sign = diff < 0n ? '-' : '';
  const absolute = diff < 0n ? -diff : diff;
  const fraction = (absolute % scale).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${absolute / scale}${fraction ? `.${fraction}` : ''}`;
}

export function toReconciliationResponse(run: ReconciliationRunRecord, drifts: DriftCell[]): ReconciliationRunResponse {
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
      difference: difference(drift.stripeUnits, drift.localUnits),
    })),
  };
}
