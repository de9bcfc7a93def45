import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { NotificationEndpoint } from './notification-endpoint.entity.js';
import { NOTIFICATION_TYPES, type NotificationType } from './notification-types.js';

const EVENTS_DESCRIPTION = 'the notification types this endpoint receives';

export class CreateNotificationEndpointDto {
  @ApiProperty({ example: 'https://billing-hooks.internal.example.com/meterbridge' })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES, isArray: true, description: EVENTS_DESCRIPTION })
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @ArrayUnique()
  @IsIn(NOTIFICATION_TYPES, { each: true, message: `each value in events must be one of: ${NOTIFICATION_TYPES.join(', ')}` })
  events!: NotificationType[];

  @ApiPropertyOptional({ example: 'upsell service' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;
}

export class UpdateNotificationEndpointDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_TYPES, isArray: true, description: EVENTS_DESCRIPTION })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @ArrayUnique()
  @IsIn(NOTIFICATION_TYPES, { each: true, message: `each value in events must be one of: ${NOTIFICATION_TYPES.join(', ')}` })
  events?: NotificationType[];

  @ApiPropertyOptional({ description: 'false stops deliveries (they wait); true resumes them' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'seconds the previous secret keeps signing (default NOTIFICATION_SECRET_OVERLAP_SECONDS)', maximum: 604800 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604800)
  overlapSeconds?: number;
}

export class NotificationEndpointResponse {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: NOTIFICATION_TYPES, isArray: true }) events!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'set when the service disabled the endpoint (it answered 410 Gone)' }) disabledReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'until then the previous secret also signs' }) previousSecretExpiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(endpoint: NotificationEndpoint): NotificationEndpointResponse {
    const overlap = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date() ? endpoint.previousSecretExpiresAt : null;
    return {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description ?? null,
      events: endpoint.events,
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason ?? null,
      previousSecretExpiresAt: overlap?.toISOString() ?? null,
      createdAt: endpoint.createdAt.toISOString(),
      updatedAt: endpoint.updatedAt.toISOString(),
    };
  }
}

export class NotificationEndpointWithSecretResponse extends NotificationEndpointResponse {
  @ApiProperty({ description: 'the signing secret (whsec_…), shown only in this answer' }) secret!: string;
}
