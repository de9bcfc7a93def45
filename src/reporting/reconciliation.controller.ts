import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { StripeErrors } from '../stripe/stripe.errors.js';
import { ReportingErrors } from './reporting.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { ReconciliationRequest, ReconciliationRunResponse, toReconciliationResponse } from './reconciliation.dto.js';
import { ReconciliationService } from './reconciliation.service.js';

@ApiTags('reporting')
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('runs')
  @RequireScopes('admin')
  @HttpCode(HttpStatus.CREATED)
  @ApiCreatedResponse({ type: ReconciliationRunResponse, description: 'the stored run with every drift (none when Stripe agrees)' })
  @ApiOperation({ operationId: 'runReconciliation', summary: "Compare the units sent to Stripe with Stripe's meter event summaries, per customer × meter × day" })
  @ApiErrors(ReportingErrors.RECONCILIATION_RANGE_INVALID, ReportingErrors.RECONCILIATION_RANGE_TOO_LONG, StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async run(@Body() body: ReconciliationRequest): Promise<ReconciliationRunResponse> {
    const { run, drifts } = await this.reconciliation.run({ from: body.from ? new Date(body.from) : undefined, to: body.to ? new Date(body.to) : undefined });
    return toReconciliationResponse(run, drifts);
  }
}
