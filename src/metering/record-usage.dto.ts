import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiExactlyOneOf } from '../common/openapi/exactly-one-of.decorator.js';
import { METER_KEY_PATTERN } from './create-meter.dto.js';
import { MAX_EVENT_VALUE, MAX_PROPERTIES_JSON_LENGTH } from './usage-event.parser.js';

/** Text the parser accepts: 1 to 255 characters, no control characters (usage-event.parser.ts, text). */
export const TEXT_255 = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;

/**
 * The usage event contract, for OpenAPI. It is enforced by parseUsageEvent (usage-event.parser.ts),
 * which checks the single route's body and every batch element the same way.
 */
@ApiExactlyOneOf('customerId', 'externalCustomerId')
export class RecordUsageDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: "the service's customer id; give this or externalCustomerId (null: absent)" })
  customerId?: string;

  @ApiPropertyOptional({ ...TEXT_255, nullable: true, example: 'acct_42', description: "the caller's own customer id (customers.externalId); null: absent" })
  externalCustomerId?: string;

  @ApiProperty({ type: 'string', pattern: METER_KEY_PATTERN.source, example: 'api_calls', description: 'meter key' })
  meter!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_EVENT_VALUE, default: 1, nullable: true, description: 'whole units, at most 15 digits (null: 1)' })
  value?: number;

  @ApiPropertyOptional({
    // OpenAPI 3.0 has no null type: a nullable string that can only be null states that null is accepted
    anyOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }, { type: 'string', nullable: true, enum: [null] }],
    description: 'when the usage happened: ISO-8601 with an offset or unix seconds; at most 35 days old and 5 minutes ahead (422 otherwise); default (or null): time of receipt',
  })
  timestamp?: string | number;

  @ApiProperty({ ...TEXT_255, example: 'req_7f3a', description: 'unique per customer: a retry with the same content is a duplicate, with other content a 409' })
  idempotencyKey!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: `free-form JSON object (null: none), at most ${MAX_PROPERTIES_JSON_LENGTH} characters` })
  properties?: Record<string, unknown>;
}

export const USAGE_STATUSES = ['accepted', 'duplicate'] as const;

export class RecordUsageResponse {
  @ApiProperty({ example: '1234', description: 'usage event id (a bigint, as a string)' })
  id!: string;

  @ApiProperty({ enum: USAGE_STATUSES, description: 'duplicate: the idempotencyKey was already recorded with the same content; nothing changed' })
  status!: (typeof USAGE_STATUSES)[number];
}
