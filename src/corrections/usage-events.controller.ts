import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { CustomersErrors } from '../customers/customers.errors.js';
import { CorrectionsErrors } from './corrections.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { EventTraceQuery, EventTraceResponse } from './event-trace.dto.js';
import { EventTraceService } from './event-trace.service.js';

/** The trace of one usage event: "where did this unit go?". */
@ApiTags('corrections')
@Controller('v1/usage/events')
export class UsageEventsController {
  constructor(private readonly traces: EventTraceService) {}

  @Get()
  @RequireScopes('usage:read', 'admin')
  @ApiOperation({ operationId: 'traceUsageEvent', summary: 'Trace one usage event: its corrections, the reports that carried it, its period and invoice' })
  @ApiOkResponse({ type: EventTraceResponse })
  @ApiErrors(CustomersErrors.CUSTOMER_NOT_FOUND, CorrectionsErrors.USAGE_EVENT_NOT_FOUND, CommonErrors.QUERY_TIMEOUT)
  trace(@Query() query: EventTraceQuery): Promise<EventTraceResponse> {
    return this.traces.trace(query.customerId, query.idempotencyKey);
  }
}
