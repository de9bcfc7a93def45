import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { PageQuery, PageResponse, pageRequest, sortKeyOfForm, toPage, type Page } from '../common/http/pagination.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { DELIVERY_STATES, type DeliveryState } from './notification-delivery.entity.js';
import type { DeliveryLogEntry } from './notification-deliveries.repository.js';
import { NOTIFICATION_TYPES, PAYLOAD_SCHEMAS } from './notification-types.js';
import { NotificationsErrors } from './notifications.errors.js';
import { NotificationsService } from './notifications.service.js';

/** The pool hands timestamps back as text: normalized to toISOString's form. */
const toIso = (value: Date | string) => new Date(value).toISOString();

class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'endpoint id' })
  @IsOptional()
  @IsUUID()
  endpoint?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATES })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  state?: DeliveryState;
}

class NotificationDeliveryResponse {
  @ApiProperty({ description: 'the delivery id (redeliver takes it)' }) id!: string;
  @ApiProperty({ description: 'the `id` of the body sent, stable across retries and redeliveries: receivers de-duplicate on it' }) notificationId!: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES }) type!: string;
  @ApiProperty() endpointId!: string;
  @ApiProperty({ enum: DELIVERY_STATES }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'pending: when it is tried next' }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'the payload of the type: the schema named for the delivery type (invoice.mismatch_found extends invoice.held, so the schemas overlap and the type decides)', anyOf: PAYLOAD_SCHEMAS.map((schema) => ({ $ref: getSchemaPath(schema) })) })
  data!: Record<string, unknown>;

  static from(entry: DeliveryLogEntry): NotificationDeliveryResponse {
    return {
      id: entry.id,
      notificationId: entry.notificationId,
      type: entry.type,
      endpointId: entry.endpointId,
      state: entry.state,
      attempts: entry.attempts,
      lastStatus: entry.lastStatus,
      lastError: entry.lastError,
      nextAttemptAt: entry.state === 'pending' ? toIso(entry.nextAttemptAt) : null,
      deliveredAt: entry.deliveredAt ? toIso(entry.deliveredAt) : null,
      createdAt: toIso(entry.createdAt),
      data: entry.data,
    };
  }
}

const NotificationDeliveryPage = PageResponse(NotificationDeliveryResponse);

/**
 * The delivery log. Each body sent is `{ id, type, created, data }` with `data` one of the payload
 * schemas (UsageThresholdCrossedData for usage.threshold_crossed, InvoiceHoldData for invoice.held
 * and invoice.released, InvoiceMismatchFoundData for invoice.mismatch_found, ReportFailedData, ReconciliationDriftFoundData, CustomerPaymentFailedData,
 * CustomerStatusChangedData).
 */
@ApiTags('notifications')
@ApiExtraModels(...PAYLOAD_SCHEMAS)
@RequireScopes('admin')
@Controller('v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ operationId: 'listNotificationDeliveries', summary: 'Deliveries, newest first, by endpoint and state (cursor-paginated)' })
  @ApiOkResponse({ type: NotificationDeliveryPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: ListNotificationsQuery): Promise<Page<NotificationDeliveryResponse>> {
    const request = pageRequest(query);
    const before = sortKeyOfForm(request.after, /^\d{1,18}$/);
    const read = await this.notifications.log({ endpointId: query.endpoint, state: query.state, before, limit: request.limit + 1 });
    return toPage(read, request, (entry) => entry.id, NotificationDeliveryResponse.from);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({ operationId: 'redeliverNotification', summary: 'Send a delivery again now (same notification id), with a fresh retry schedule' })
  @ApiAcceptedResponse({ type: NotificationDeliveryResponse })
  @ApiErrors(NotificationsErrors.NOTIFICATION_NOT_FOUND)
  async redeliver(@Param('id') id: string): Promise<NotificationDeliveryResponse> {
    return NotificationDeliveryResponse.from(await this.notifications.redeliver(id));
  }
}
