import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { ReconciliationRequest, ReconciliationRunResponse, toReconciliationResponse } from './reconciliation.dto.js';
import { ReconciliationService } from './reconciliation.service.js';

@ApiTags('reporting')
@ApiBearerAuth()
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('runs')
  @RequireScopes('admin')
  @HttpCode(HttpStatus.CREATED)
  @ApiCreatedResponse({ type: ReconciliationRunResponse, description: 'the stored run with every drift (none when Stripe agrees)' })
  @ApiResponse({ status: 422, description: 'RECONCILIATION_RANGE_INVALID or RECONCILIATION_RANGE_TOO_LONG' })
  async run(@Body() body: ReconciliationRequest): Promise<ReconciliationRunResponse> {
    const { run, drifts } = await this.reconciliation.run({ from: body.from ? new Date(body.from) : undefined, to: body.to ? new Date(body.to) : undefined });
    return toReconciliationResponse(run, drifts);
  }
}
