import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { CustomersErrors } from '../customers/customers.errors.js';
import { MeteringErrors } from '../metering/metering.errors.js';
import { CustomerUsageParams, CustomerUsageResponse, UsageTotalsQuery } from './usage-totals.dto.js';
import { UsageTotalsErrors } from './usage-totals.errors.js';
import { UsageTotalsService } from './usage-totals.service.js';
import { RetentionErrors } from '../retention/retention.errors.js';

/** A customer's usage totals per meter: what was ingested, reported, pending, failed and late. */
@ApiTags('usage-totals')
@Controller('v1')
export class UsageTotalsController {
  constructor(private readonly totals: UsageTotalsService) {}

  @Get('customers/:id/usage')
  @RequireScopes('admin', 'usage:read')
  @ApiOperation({
    operationId: 'getCustomerUsage',
    summary: "A customer's usage totals per meter over its current period, or from/to",
    description: 'VALIDATION_FAILED: from/to format, both or neither, years 1–9999. QUERY_TIMEOUT: the totals took longer than REQUEST_STATEMENT_TIMEOUT_MS, or waited that long for a read connection.',
  })
  @ApiOkResponse({ type: CustomerUsageResponse })
  @ApiErrors(CustomersErrors.CUSTOMER_NOT_FOUND, MeteringErrors.METER_NOT_FOUND, UsageTotalsErrors.USAGE_WINDOW_TOO_LARGE, RetentionErrors.USAGE_WINDOW_SPLITS_ROLLUP, CommonErrors.QUERY_TIMEOUT)
  totalsForCustomer(@Param() params: CustomerUsageParams, @Query() query: UsageTotalsQuery): Promise<CustomerUsageResponse> {
    return this.totals.totals(params.id, query);
  }
}
