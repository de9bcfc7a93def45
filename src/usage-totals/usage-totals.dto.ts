import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID } from 'class-validator';

export class CustomerUsageParams {
  @ApiProperty({ format: 'uuid', description: "the service's customer id" })
  @IsUUID('all', { message: 'id must be a customer id (a UUID)' })
  id!: string;
}

/** from/to are checked by UsageTotalsService (format, both or neither, from before to). */
export class UsageTotalsQuery {
  @ApiPropertyOptional({ description: 'only this meter key' })
  @IsOptional()
  @IsString()
  meter?: string;

  @ApiPropertyOptional({ description: 'window start (inclusive), ISO-8601 with an offset or unix seconds; with `to`' })
  @IsOptional()
  @IsString()
  from?: string;

  @ApiPropertyOptional({ description: 'window end (exclusive); with `from`' })
  @IsOptional()
  @IsString()
  to?: string;
}

const QUANTITY = 'units as a decimal string: sums of 15-digit values exceed what a JSON number holds exactly (2^53)';

export class MeterUsageTotals {
  @ApiProperty({ example: 'api_calls' }) meter!: string;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: 'false when the customer has no Stripe customer or no live subscription item for this meter: recorded, not yet billable' })
  billable!: boolean;
  @ApiProperty({ description: 'window start (inclusive): the billing period of the subscription item, else the UTC calendar month, else `from`' })
  periodStart!: string;
  @ApiProperty({ description: 'window end (exclusive)' }) periodEnd!: string;
  @ApiProperty({ example: '1200', description: `ingested in the window per the meter's aggregation (sum, count or last); ${QUANTITY}` })
  ingested!: string;
  @ApiProperty({ example: '1000', description: `reported to Stripe; ${QUANTITY}` }) reported!: string;
  @ApiProperty({ example: '200', description: `ingested, neither reported, failed nor late; ${QUANTITY}` }) pending!: string;
  @ApiProperty({ example: '0', description: `refused by Stripe (see GET /v1/reporting/status for the reason): not billed; ${QUANTITY}` }) failed!: string;
  @ApiProperty({ example: '0', description: `arrived after the period's invoice was finalized; ${QUANTITY}` }) lateUnbillable!: string;
  @ApiProperty({ example: '300', description: "billable units × the meter's unit_amount_decimal, in the currency's minor unit (cents), exact decimal string" })
  estimatedAmount!: string;
}

export class CustomerUsageResponse {
  @ApiProperty() customerId!: string;
  @ApiProperty({ format: 'date-time', description: 'the totals include every event committed before this instant (a read replica may lag: docs/read-routing.md)' }) asOf!: string;
  @ApiProperty({ type: [MeterUsageTotals] }) meters!: MeterUsageTotals[];
}
