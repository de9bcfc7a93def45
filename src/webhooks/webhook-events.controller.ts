import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { PageLimitQuery } from '../common/http/page-limit.query.js';
import { DomainError } from '../common/errors/domain-error.js';
import type { WebhookEvent, WebhookEventStatus } from './webhook-event.entity.js';
import { WebhookEventsRepository } from './webhook-events.repository.js';

const STATUSES: WebhookEventStatus[] = ['received', 'processing', 'processed', 'ignored', 'failed', 'dead'];

class ListWebhookEventsQuery extends PageLimitQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: WebhookEventStatus;
}

class WebhookEventResponse {
  @ApiProperty() id!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt!: string | null;
  @ApiProperty() stripeCreatedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ nullable: true, type: String }) processedAt!: string | null;

  static from(event: WebhookEvent): WebhookEventResponse {
    return {
      id: event.id,
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      lastError: event.lastError ?? null,
      nextAttemptAt: event.nextAttemptAt?.toISOString() ?? null,
      stripeCreatedAt: event.stripeCreatedAt.toISOString(),
      receivedAt: event.receivedAt.toISOString(),
      processedAt: event.processedAt?.toISOString() ?? null,
    };
  }
}

/** Operators see what arrived from Stripe, what failed and why, and can requeue a dead event. */
@ApiTags('webhooks')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/webhooks/events')
export class WebhookEventsController {
  constructor(private readonly events: WebhookEventsRepository) {}

  @Get()
  async list(@Query() query: ListWebhookEventsQuery): Promise<{ data: WebhookEventResponse[] }> {
    return { data: (await this.events.list(query)).map(WebhookEventResponse.from) };
  }

  @Post(':id/retry')
  @HttpCode(202)
  async retry(@Param('id') id: string): Promise<{ id: string; status: 'failed' }> {
    if (!(await this.events.requeue(id))) throw new DomainError(404, 'WEBHOOK_EVENT_NOT_RETRYABLE', `No failed or dead webhook event ${id}`);
    return { id, status: 'failed' };
  }
}
