import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { ReporterRunResponse, ReportingStatusResponse, toRunResponse } from './reporting.response.js';
import { ReportingService } from './reporting.service.js';

@ApiTags('reporting')
@Controller('v1/reporting')
export class ReportingController {
  constructor(private readonly reporting: ReportingService) {}

  @Post('runs')
  @RequireScopes('admin')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ operationId: 'runReporter', summary: 'Run the reporter now and answer what it claimed, sent, failed and left for later' })
  @ApiCreatedResponse({ type: ReporterRunResponse, description: 'the run, once finished: waits for a run in progress elsewhere (same lock as the cron)' })
  async run(): Promise<ReporterRunResponse> {
    return toRunResponse(await this.reporting.run('api'));
  }

  @Get('status')
  @RequireScopes('admin')
  @ApiOperation({ operationId: 'getReportingStatus', summary: 'Backlog, late usage, the last run and failed reports' })
  @ApiOkResponse({ type: ReportingStatusResponse })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  status(): Promise<ReportingStatusResponse> {
    return this.reporting.status();
  }
}
