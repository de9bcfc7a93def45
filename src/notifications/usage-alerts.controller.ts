import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { ListResponse } from '../common/http/pagination.js';
import { NotificationsErrors } from './notifications.errors.js';

import { RequireScopes } from '../auth/scopes.decorator.js';
import { CreateUsageAlertDto, UsageAlertResponse } from './usage-alert.dto.js';
import { UsageAlertsService } from './usage-alerts.service.js';

/** Thresholds on a customer's billable units per billing period; crossing one sends usage.threshold_crossed. */
@ApiTags('notifications')
@RequireScopes('admin')
@Controller('v1/usage-alerts')
export class UsageAlertsController {
  constructor(private readonly alerts: UsageAlertsService) {}

  @Post()
  @ApiOperation({ operationId: 'createUsageAlert', summary: 'A threshold on one meter, for one customer or every customer' })
  @ApiCreatedResponse({ type: UsageAlertResponse })
  @ApiErrors(NotificationsErrors.USAGE_ALERT_METER_NOT_FOUND, NotificationsErrors.USAGE_ALERT_CUSTOMER_NOT_FOUND)
  create(@Body() body: CreateUsageAlertDto): Promise<UsageAlertResponse> {
    return this.alerts.create(body);
  }

  @Get()
  @ApiOperation({ operationId: 'listUsageAlerts', summary: 'Every usage alert' })
  @ApiOkResponse({ type: ListResponse(UsageAlertResponse) })
  async list(): Promise<{ data: UsageAlertResponse[] }> {
    return { data: await this.alerts.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteUsageAlert', summary: 'Delete the alert (and the record of its crossings)' })
  @ApiNoContentResponse()
  @ApiErrors(NotificationsErrors.USAGE_ALERT_NOT_FOUND)
  async delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.alerts.delete(id);
  }
}
