import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RecordUsageDto } from './record-usage.dto.js';
import { MAX_BATCH_EVENTS } from './usage-event.parser.js';

/** For OpenAPI; enforced by parseUsageBatch, then parseUsageEvent per element. */
export class UsageBatchDto {
  @ApiProperty({ type: [RecordUsageDto], minItems: 1, maxItems: MAX_BATCH_EVENTS, description: `1 to ${MAX_BATCH_EVENTS} events; more is a 413 USAGE_BATCH_TOO_LARGE` })
  events!: RecordUsageDto[];
}

export const BATCH_EVENT_STATUSES = ['accepted', 'duplicate', 'rejected'] as const;

export class UsageBatchError {
  @ApiProperty({ example: 422 }) statusCode!: number;
  @ApiProperty({ example: 'METER_NOT_FOUND' }) error!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } }) details?: unknown[];
}

export class UsageBatchResult {
  @ApiProperty({ description: 'position of the event in the request' }) index!: number;
  @ApiProperty({ enum: BATCH_EVENT_STATUSES }) status!: (typeof BATCH_EVENT_STATUSES)[number];
  @ApiPropertyOptional({ description: 'usage event id, for accepted and duplicate' }) id?: string;
  @ApiPropertyOptional({ type: UsageBatchError, description: 'for rejected: the error the single-event route would have answered' }) error?: UsageBatchError;
}

export class UsageBatchResponse {
  @ApiProperty({ type: [UsageBatchResult], description: 'one result per event, in request order' })
  results!: UsageBatchResult[];
}
