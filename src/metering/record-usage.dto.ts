import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_EVENT_VALUE, MAX_PROPERTIES_JSON_LENGTH } from './usage-event.parser.js';

/**
 * The usage event contract, for OpenAPI. It is enforced by parseUsageEvent (usage-event.parser.ts),
 * which checks the single route's body and every batch element the same way.
 */
export class RecordUsageDto {
  @ApiPropertyOptional({ format: 'uuid', description: "the service's customer id; give this or externalCustomerId" })
  customerId?: string;

  @ApiPropertyOptional({ example: 'acct_42', description: "the caller's own customer id (customers.externalId)" })
  externalCustomerId?: string;

  @ApiProperty({ example: 'api_calls', description: 'meter key' })
  meter!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_EVENT_VALUE, default: 1, description: 'whole units, at most 15 digits' })
  value?: number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }],
    example: '2026-11-25T10:00:00Z',
    description: 'when the usage happened: ISO-8601 with an offset or unix seconds; at most 35 days old and 5 minutes ahead (422 otherwise); default: time of receipt',
  })
  timestamp?: string | number;

  @ApiProperty({ example: 'req_7f3a', maxLength: 255, description: 'unique per customer: a retry with the same content is a duplicate, with other content a 409' })
  idempotencyKey!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `free-form JSON object, at most ${MAX_PROPERTIES_JSON_LENGTH} characters` })
  properties?: Record<string, unknown>;
}

export const USAGE_STATUSES = ['accepted', 'duplicate'] as const;

export class RecordUsageResponse {
  @ApiProperty({ example: '1234', description: 'usage event id (a bigint, as a string)' })
  id!: string;

  @ApiProperty({ enum: USAGE_STATUSES, description: 'duplicate: the idempotencyKey was already recorded with the same content; nothing changed' })
  status!: (typeof USAGE_STATUSES)[number];
}
