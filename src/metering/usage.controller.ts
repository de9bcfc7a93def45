import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { CustomersErrors } from '../customers/customers.errors.js';
import { MeteringErrors } from './metering.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { RecordUsageDto, RecordUsageResponse } from './record-usage.dto.js';
import { UsageBatchDto, UsageBatchResponse } from './usage-batch.dto.js';
import { UsageService } from './usage.service.js';

/**
 * Usage ingestion (the totals are src/usage-totals). The ingest bodies are typed `unknown` on purpose: the global
 * ValidationPipe skips them and parseUsageEvent validates (see usage-event.parser.ts for why).
 */
@ApiTags('metering')
@Controller('v1')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Post('usage')
  @RequireScopes('usage:write')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBody({ type: RecordUsageDto })
  @ApiAcceptedResponse({ type: RecordUsageResponse, description: 'committed (accepted) or already recorded with the same content (duplicate)' })
  @ApiOperation({
    operationId: 'recordUsage',
    summary: 'Record one usage event (idempotent per customer and idempotencyKey)',
    description: 'USAGE_IDEMPOTENCY_CONFLICT: the key was used with other content; details name each differing field with the received value (never the stored one).',
  })
  @ApiErrors(CustomersErrors.CUSTOMER_NOT_FOUND, MeteringErrors.USAGE_IDEMPOTENCY_CONFLICT, MeteringErrors.USAGE_TIMESTAMP_OUT_OF_RANGE, MeteringErrors.USAGE_EVENT_EXPIRED, MeteringErrors.METER_NOT_FOUND, MeteringErrors.METER_INACTIVE)
  async record(@Body() body: unknown): Promise<RecordUsageResponse> {
    const { id, status } = await this.usage.recordOne(body, Date.now());
    return { id, status };
  }

  @Post('usage/batch')
  @RequireScopes('usage:write')
  @HttpCode(HttpStatus.MULTI_STATUS)
  @ApiBody({ type: UsageBatchDto })
  @ApiResponse({ status: 207, type: UsageBatchResponse, description: 'one result per event, in request order' })
  @ApiOperation({ operationId: 'recordUsageBatch', summary: 'Record up to 1000 usage events, one result each' })
  @ApiErrors(MeteringErrors.USAGE_BATCH_TOO_LARGE)
  async recordBatch(@Body() body: unknown): Promise<UsageBatchResponse> {
    return { results: await this.usage.recordBatch(body, Date.now()) };
  }
}
