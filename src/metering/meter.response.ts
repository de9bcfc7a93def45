import { ApiProperty } from '@nestjs/swagger';
import { LATE_USAGE_POLICIES, METER_AGGREGATIONS, type Meter } from './meter.entity.js';

/** "0.250000000000" (numeric(24,12)) → "0.25": the decimal as the caller wrote it. */
export function normalizeDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

export class MeterResponse {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: METER_AGGREGATIONS }) aggregation!: string;
  @ApiProperty({ description: 'minor units (cents) per unit' }) unitAmountDecimal!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: LATE_USAGE_POLICIES }) lateUsagePolicy!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ nullable: true, type: String }) stripeMeterId!: string | null;
  @ApiProperty({ nullable: true, type: String }) stripePriceId!: string | null;
  @ApiProperty() createdAt!: string;

  static from(meter: Meter): MeterResponse {
    return {
      id: meter.id,
      key: meter.key,
      displayName: meter.displayName,
      aggregation: meter.aggregation,
      unitAmountDecimal: normalizeDecimal(meter.unitAmountDecimal),
      currency: meter.currency,
      lateUsagePolicy: meter.lateUsagePolicy,
      active: meter.active,
      stripeMeterId: meter.stripeMeterId ?? null,
      stripePriceId: meter.stripePriceId ?? null,
      createdAt: meter.createdAt.toISOString(),
    };
  }
}
