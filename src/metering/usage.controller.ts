import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { RecordUsageDto, RecordUsageResponse } from './record-usage.dto.js';
import { UsageBatchDto, UsageBatchResponse } from './usage-batch.dto.js';
import { UsageService } from './usage.service.js';

/**
 * Usage ingestion (the totals are src/usage-totals). The ingest bodies are typed `unknown` on purpose: the global
 * ValidationPipe skips them and parseUsageEvent validates (see usage-event.parser.ts for why).
 */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Post('usage')
  @RequireScopes('usage:write')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBody({ type: RecordUsageDto })
  @ApiAcceptedResponse({ type: RecordUsageResponse, description: 'committed (accepted) or already recorded with the same content (duplicate)' })
  @ApiResponse({ status: 409, description: 'USAGE_IDEMPOTENCY_CONFLICT: the key was used with other content; details name each differing field with the received value (never the stored one)' })
  @ApiResponse({ status: 422, description: 'USAGE_TIMESTAMP_OUT_OF_RANGE, METER_NOT_FOUND or METER_INACTIVE' })
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
}
