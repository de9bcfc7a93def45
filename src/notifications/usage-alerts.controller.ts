import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { NotificationsErrors } from './notifications.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { PageQuery, PageResponse, pageRequest, toPage, type Page } from '../common/http/pagination.js';
import { CreateUsageAlertDto, UsageAlertResponse } from './usage-alert.dto.js';
import { UsageAlertsService } from './usage-alerts.service.js';
import { afterUuid } from './uuid-sort-key.js';

const UsageAlertPage = PageResponse(UsageAlertResponse);

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
  @ApiOperation({ operationId: 'listUsageAlerts', summary: 'Usage alerts by id, a page at a time' })
  @ApiOkResponse({ type: UsageAlertPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: PageQuery): Promise<Page<UsageAlertResponse>> {
    const request = pageRequest(query);
    return toPage(await this.alerts.list(afterUuid(request), request.limit + 1), request, (alert) => alert.id, (alert) => alert);
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
