import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { METER_KEY_PATTERN } from '../metering/create-meter.dto.js';

export class CreateSubscriptionDto {
  @ApiPropertyOptional({ type: [String], description: 'meter keys to bill; default: every active meter' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(METER_KEY_PATTERN, { each: true, message: 'each meter must be a meter key (lowercase slug)' })
  meters?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 730 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(730)
  trialDays?: number;
}

export const CANCEL_MOMENTS = ['period_end', 'now'] as const;
export type CancelMoment = (typeof CANCEL_MOMENTS)[number];

export class CancelSubscriptionQuery {
  @ApiPropertyOptional({ enum: CANCEL_MOMENTS, default: 'period_end', description: 'now: cancel and invoice the outstanding usage at once' })
  @IsOptional()
  @IsIn(CANCEL_MOMENTS)
  at: CancelMoment = 'period_end';
}
