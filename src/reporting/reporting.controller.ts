import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { ReporterRunResponse, ReportingStatusResponse, toRunResponse } from './reporting.response.js';
import { ReportingService } from './reporting.service.js';

@ApiTags('reporting')
@ApiBearerAuth()
@Controller('v1/reporting')
export class ReportingController {
  constructor(private readonly reporting: ReportingService) {}

  @Post('runs')
  @RequireScopes('admin')
  @HttpCode(HttpStatus.CREATED)
  @ApiCreatedResponse({ type: ReporterRunResponse, description: 'the run, once finished: waits for a run in progress elsewhere (same lock as the cron)' })
  async run(): Promise<ReporterRunResponse> {
    return toRunResponse(await this.reporting.run('api'));
  }

  @Get('status')
  @RequireScopes('admin')
  @ApiOkResponse({ type: ReportingStatusResponse })
  status(): Promise<ReportingStatusResponse> {
    return this.reporting.status();
  }
}
