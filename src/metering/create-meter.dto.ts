import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { LATE_USAGE_POLICIES, METER_AGGREGATIONS, type LateUsagePolicy, type MeterAggregation } from './meter.entity.js';

export const METER_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export class CreateMeterDto {
  @ApiProperty({ example: 'api_calls', description: 'lowercase slug: a letter, then letters, digits, _ or -, at most 63 characters' })
  @Matches(METER_KEY_PATTERN, { message: 'key must be a lowercase slug (a-z, 0-9, _ and -, starting with a letter, at most 63 characters)' })
  key!: string;

  @ApiProperty({ example: 'API calls' })
  @IsString()
  @Length(1, 250)
  displayName!: string;

  @ApiProperty({ enum: METER_AGGREGATIONS, description: 'sum of values, count of events, or last value in the period' })
  @IsIn(METER_AGGREGATIONS)
  aggregation!: MeterAggregation;

  @ApiProperty({ example: '0.25', description: "price per unit in the currency's minor unit (cents), at most 12 decimals (Stripe's unit_amount_decimal)" })
  @Matches(/^\d{1,12}(\.\d{1,12})?$/, { message: 'unitAmountDecimal must be a non-negative decimal string with at most 12 decimals' })
  unitAmountDecimal!: string;

  @ApiProperty({ example: 'usd' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @Matches(/^[a-z]{3}$/, { message: 'currency must be a three-letter ISO code' })
  currency!: string;

  @ApiPropertyOptional({ enum: LATE_USAGE_POLICIES, default: 'next_period' })
  @IsOptional()
  @IsIn(LATE_USAGE_POLICIES)
  lateUsagePolicy?: LateUsagePolicy;
}
