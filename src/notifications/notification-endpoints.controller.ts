import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { NotificationsErrors } from './notifications.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { PageQuery, PageResponse, pageRequest, toPage, type Page } from '../common/http/pagination.js';
import {
  CreateNotificationEndpointDto,
  NotificationEndpointResponse,
  NotificationEndpointWithSecretResponse,
  RotateSecretDto,
  UpdateNotificationEndpointDto,
} from './notification-endpoint.dto.js';
import { NotificationEndpointsService, type EndpointWithSecret } from './notification-endpoints.service.js';
import { afterUuid } from './uuid-sort-key.js';

const NotificationEndpointPage = PageResponse(NotificationEndpointResponse);

const withSecret = ({ endpoint, secret }: EndpointWithSecret): NotificationEndpointWithSecretResponse => ({ ...NotificationEndpointResponse.from(endpoint), secret });

/** Where notifications go. The signing secret is shown only when created or rotated. */
@ApiTags('notifications')
@RequireScopes('admin')
@Controller('v1/notification-endpoints')
export class NotificationEndpointsController {
  constructor(private readonly endpoints: NotificationEndpointsService) {}

  @Post()
  @ApiOperation({ operationId: 'createNotificationEndpoint', summary: 'Register an endpoint; the answer carries its signing secret, shown once' })
  @ApiCreatedResponse({ type: NotificationEndpointWithSecretResponse })
  @ApiErrors(NotificationsErrors.NOTIFICATION_ENDPOINT_URL_INVALID)
  async create(@Body() body: CreateNotificationEndpointDto): Promise<NotificationEndpointWithSecretResponse> {
    return withSecret(await this.endpoints.create(body));
  }

  @Get()
  @ApiOperation({ operationId: 'listNotificationEndpoints', summary: 'Endpoints by id, without secrets, a page at a time' })
  @ApiOkResponse({ type: NotificationEndpointPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: PageQuery): Promise<Page<NotificationEndpointResponse>> {
    const request = pageRequest(query);
    return toPage(await this.endpoints.list(afterUuid(request), request.limit + 1), request, (endpoint) => endpoint.id, NotificationEndpointResponse.from);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateNotificationEndpoint', summary: 'Change the types received, the description, or enable/disable' })
  @ApiOkResponse({ type: NotificationEndpointResponse })
  @ApiErrors(NotificationsErrors.NOTIFICATION_ENDPOINT_NOT_FOUND)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateNotificationEndpointDto): Promise<NotificationEndpointResponse> {
    return NotificationEndpointResponse.from(await this.endpoints.update(id, body));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateNotificationEndpointSecret', summary: 'A new signing secret; the previous one keeps signing beside it for the overlap' })
  @ApiOkResponse({ type: NotificationEndpointWithSecretResponse })
  @ApiErrors(NotificationsErrors.NOTIFICATION_ENDPOINT_NOT_FOUND)
  async rotate(@Param('id', ParseUUIDPipe) id: string, @Body() body: RotateSecretDto): Promise<NotificationEndpointWithSecretResponse> {
    return withSecret(await this.endpoints.rotateSecret(id, body.overlapSeconds));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteNotificationEndpoint', summary: 'Delete the endpoint and its delivery log' })
  @ApiNoContentResponse()
  @ApiErrors(NotificationsErrors.NOTIFICATION_ENDPOINT_NOT_FOUND)
  async delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.endpoints.delete(id);
  }
}
