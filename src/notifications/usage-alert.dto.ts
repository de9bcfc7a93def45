import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { METER_KEY_PATTERN } from '../metering/create-meter.dto.js';

export class CreateUsageAlertDto {
  @ApiProperty({ example: 'api_calls', description: 'meter key' })
  @Matches(METER_KEY_PATTERN, { message: 'meter must be a meter key' })
  meter!: string;

  @ApiPropertyOptional({ description: 'one customer; absent: every customer' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiProperty({ example: 10000, description: 'units per billing period (an integer ≥ 1)' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  threshold!: number;

  @ApiProperty({ example: '80% of the plan' })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class UsageAlertResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: every customer' }) customerId!: string | null;
  @ApiProperty({ description: 'units per billing period, as a decimal string' }) threshold!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
