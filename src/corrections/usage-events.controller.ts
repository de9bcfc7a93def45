import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { EventTraceQuery, EventTraceResponse } from './event-trace.dto.js';
import { EventTraceService } from './event-trace.service.js';

/** The trace of one usage event: "where did this unit go?". */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/usage/events')
export class UsageEventsController {
  constructor(private readonly traces: EventTraceService) {}

  @Get()
  @RequireScopes('usage:read', 'admin')
  @ApiOperation({ operationId: 'traceUsageEvent', summary: 'Trace one usage event: its corrections, the reports that carried it, its period and invoice' })
  @ApiOkResponse({ type: EventTraceResponse })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: customerId and idempotencyKey are required' })
  @ApiResponse({ status: 404, description: 'CUSTOMER_NOT_FOUND or USAGE_EVENT_NOT_FOUND' })
  trace(@Query() query: EventTraceQuery): Promise<EventTraceResponse> {
    return this.traces.trace(query.customerId, query.idempotencyKey);
  }
}
