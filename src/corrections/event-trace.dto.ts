import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';

export class EventTraceQuery {
  @ApiProperty({ format: 'uuid', description: "the service's customer id" })
  @IsUUID('all', { message: 'customerId must be a customer id (a UUID)' })
  customerId!: string;

  @ApiProperty({ description: 'the idempotencyKey the event was recorded with' })
  @IsString()
  @Length(1, 255)
  idempotencyKey!: string;
}

export class TracedEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty() meter!: string;
  @ApiProperty({ enum: ['sum', 'count', 'last'] }) aggregation!: string;
  @ApiProperty({ description: 'the value as recorded (decimal string)' }) value!: string;
  @ApiProperty({ description: 'the value now: the latest correction’s, else the recorded one' }) currentValue!: string;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) properties!: Record<string, unknown> | null;
}

export class TracedCorrectionDto {
  @ApiProperty() id!: string;
  @ApiProperty() correctionKey!: string;
  @ApiProperty() previousValue!: string;
  @ApiProperty() value!: string;
  @ApiProperty({ description: 'false: changes nothing billable (a last meter event that is not the latest)' }) billable!: boolean;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'prefix of the API key that made it' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ enum: ['pending', 'adjusting', 'late'], description: 'what was answered about the money when it was made' }) billing!: string;
}

export class TracedPeriodDto {
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'the Stripe invoice of the period, once final' }) stripeInvoiceId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) invoiceFinalizedAt!: string | null;
}

export class TracedReportDto {
  @ApiProperty({ description: 'meter event identifier (the report’s first part)' }) identifier!: string;
  @ApiProperty({ type: [String], description: 'every meter event the report is sent as (a report beyond 15 digits is several)' }) meterEvents!: string[];
  @ApiProperty({ enum: ['usage', 'cancelled_report'], description: 'usage: claimed the event or one of its corrections; cancelled_report: cancelled such a report and carries its value' })
  carries!: string;
  @ApiProperty({ description: 'units of the ledger rows it claimed (a correction’s difference may be negative)' }) units!: string;
  @ApiProperty({ description: 'what its meter events carry: units plus the values of the events it cancelled' }) sentUnits!: string;
  @ApiProperty({ enum: ['pending', 'held', 'failed', 'sent', 'confirmed', 'late_unbillable', 'cancelled'] }) status!: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: "Stripe's refusal (failed) or the last transient error (pending)" }) failureReason!: string | null;
  @ApiProperty({ format: 'date-time' }) claimedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) confirmedAt!: string | null;
  @ApiProperty({ description: 'late usage reported into a later open period (next_period policy)' }) lateAdjustment!: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'the report that carries this one’s value on: it cancelled its meter events, or (status failed) took it over, as Stripe never counted it' }) cancelledBy!: string | null;
  @ApiPropertyOptional({ type: TracedPeriodDto, nullable: true, description: 'the billing period (and invoice) its units land on' }) billingPeriod!: TracedPeriodDto | null;
}

export class EventPeriodDto extends TracedPeriodDto {
  @ApiProperty({ description: "what Stripe's meter holds for the period now: its accepted reports, less what later reports cancelled (refused and queued reports count 0)" }) netUnits!: string;
  @ApiProperty({ description: 'true when that total is negative: Stripe bills the period as 0' }) billedAsZero!: boolean;
}

export class EventTraceResponse {
  @ApiProperty({ format: 'date-time', description: 'the trace includes every write committed before this instant (a read replica may lag: docs/read-routing.md)' }) asOf!: string;
  @ApiProperty({ type: TracedEventDto }) event!: TracedEventDto;
  @ApiProperty({ type: [TracedCorrectionDto], description: 'oldest first; the latest states the value' }) corrections!: TracedCorrectionDto[];
  @ApiProperty({ type: [TracedReportDto], description: 'every report that carried the event or its corrections to Stripe' }) reports!: TracedReportDto[];
  @ApiPropertyOptional({ type: EventPeriodDto, nullable: true, description: 'the billing period the event happened in (null: no subscription covered it)' })
  billingPeriod!: EventPeriodDto | null;
}
