import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';

import { IsIn, IsOptional } from 'class-validator';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { invalidCursor, PageQuery, PageResponse, pageRequest, toPage, type Page } from '../common/http/pagination.js';
import type { WebhookEvent, WebhookEventStatus } from './webhook-event.entity.js';
import { WEBHOOK_EVENT_READS, WebhookEventsRepository } from './webhook-events.repository.js';
import { WebhooksErrors } from './webhooks.errors.js';

const STATUSES: WebhookEventStatus[] = ['received', 'processing', 'processed', 'ignored', 'failed', 'dead'];

class ListWebhookEventsQuery extends PageQuery {
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

const WebhookEventPage = PageResponse(WebhookEventResponse);

class RetriedWebhookEventResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['failed'], description: 'the event is failed again with an attempt due now: the retry sweep processes it' }) status!: 'failed';
}

/** A cursor's sort key, checked before it reaches SQL: `<UTC time to the microsecond>|<event id>`. */
function cursorSortKey(after: string | undefined): string | undefined {
  if (after === undefined || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\|\S+$/.test(after)) return after;
  throw invalidCursor();
}

/** Operators see what arrived from Stripe, what failed and why, and can requeue a dead event. */
@ApiTags('webhooks')
@RequireScopes('admin')
@Controller('v1/webhooks/events')
export class WebhookEventsController {
  constructor(
    private readonly events: WebhookEventsRepository,
    @Inject(WEBHOOK_EVENT_READS) private readonly eventReads: WebhookEventsRepository,
    private readonly reads: RequestReadsDatabase,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listWebhookEvents', summary: 'Stripe webhook events as received, newest first, a page at a time' })
  @ApiOkResponse({ type: WebhookEventPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: ListWebhookEventsQuery): Promise<Page<WebhookEventResponse>> {
    const request = pageRequest(query);
    const after = cursorSortKey(request.after);
    const read = await this.reads.readPage(() => this.eventReads.listPage({ status: query.status }, after, request.limit + 1));
    return toPage(read, request, (row) => row.sortKey, (row) => WebhookEventResponse.from(row.event));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ operationId: 'retryWebhookEvent', summary: 'Requeue a failed or dead webhook event for processing' })
  @ApiAcceptedResponse({ type: RetriedWebhookEventResponse })
  @ApiErrors(WebhooksErrors.WEBHOOK_EVENT_NOT_RETRYABLE)
  async retry(@Param('id') id: string): Promise<RetriedWebhookEventResponse> {
    if (!(await this.events.requeue(id))) throw new DomainError(WebhooksErrors.WEBHOOK_EVENT_NOT_RETRYABLE, `No failed or dead webhook event ${id}`);
    return { id, status: 'failed' };
  }
}
