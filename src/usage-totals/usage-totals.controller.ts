import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CustomerUsageParams, CustomerUsageResponse, UsageTotalsQuery } from './usage-totals.dto.js';
import { UsageTotalsService } from './usage-totals.service.js';

/** A customer's usage totals per meter: what was ingested, reported, pending, failed and late. */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1')
export class UsageTotalsController {
  constructor(private readonly totals: UsageTotalsService) {}

  @Get('customers/:id/usage')
  @RequireScopes('admin', 'usage:read')
  @ApiOkResponse({ type: CustomerUsageResponse })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (from/to: format, both or neither, years 1–9999) or USAGE_WINDOW_TOO_LARGE (more than 93 days)' })
  @ApiResponse({ status: 503, description: 'QUERY_TIMEOUT: the totals took longer than REQUEST_STATEMENT_TIMEOUT_MS, or waited that long for a read connection' })
  totalsForCustomer(@Param() params: CustomerUsageParams, @Query() query: UsageTotalsQuery): Promise<CustomerUsageResponse> {
    return this.totals.totals(params.id, query);
  }
}
