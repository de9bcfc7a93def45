import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { RecordUsageDto, RecordUsageResponse } from './record-usage.dto.js';
import { UsageBatchDto, UsageBatchResponse } from './usage-batch.dto.js';
import { CustomerUsageParams, CustomerUsageResponse, UsageTotalsQuery } from './usage-totals.dto.js';
import { UsageTotalsService } from './usage-totals.service.js';
import { UsageService } from './usage.service.js';

/**
 * Usage ingestion and totals. The ingest bodies are typed `unknown` on purpose: the global
 * ValidationPipe skips them and parseUsageEvent validates (see usage-event.parser.ts for why).
 */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1')
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly totals: UsageTotalsService,
  ) {}

  @Post('usage')
  @RequireScopes('usage:write')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBody({ type: RecordUsageDto })
  @ApiAcceptedResponse({ type: RecordUsageResponse, description: 'committed (accepted) or already recorded with the same content (duplicate)' })
  @ApiResponse({ status: 409, description: 'USAGE_IDEMPOTENCY_CONFLICT: the key was used with other content; details name each differing field with the received value (never the stored one)' })
  @ApiResponse({ status: 422, description: 'USAGE_TIMESTAMP_OUT_OF_RANGE, USAGE_EVENT_EXPIRED, METER_NOT_FOUND or METER_INACTIVE' })
  async record(@Body() body: unknown): Promise<RecordUsageResponse> {
    const { id, status } = await this.usage.recordOne(body, Date.now());
    return { id, status };
  }

  @Post('usage/batch')
  @RequireScopes('usage:write')
  @HttpCode(HttpStatus.MULTI_STATUS)
  @ApiBody({ type: UsageBatchDto })
  @ApiResponse({ status: 207, type: UsageBatchResponse, description: 'one result per event, in request order' })
  @ApiResponse({ status: 413, description: 'USAGE_BATCH_TOO_LARGE: more than 1000 events' })
  async recordBatch(@Body() body: unknown): Promise<UsageBatchResponse> {
    return { results: await this.usage.recordBatch(body, Date.now()) };
  }

  @Get('customers/:id/usage')
  @RequireScopes('admin', 'usage:read')
  @ApiOkResponse({ type: CustomerUsageResponse })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (from/to: format, both or neither, years 1–9999) or USAGE_WINDOW_TOO_LARGE (more than 93 days)' })
  @ApiResponse({ status: 503, description: 'QUERY_TIMEOUT: the totals took longer than REQUEST_STATEMENT_TIMEOUT_MS, or waited that long for a read connection' })
  totalsForCustomer(@Param() params: CustomerUsageParams, @Query() query: UsageTotalsQuery): Promise<CustomerUsageResponse> {
    return this.totals.totals(params.id, query);
  }
}
