import { Body, Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { NotificationEndpointsService } from '../notifications/notification-endpoints.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { ConsoleGate } from './console-gate.js';
import { redirectTo, sendPage, type ConsoleForm } from './console-http.js';
import { consolePage } from './layout.js';
import { notificationsContent } from './pages/notifications.page.js';

const LOG_SIZE = 100;

/** Notifications: endpoints, the delivery log, redeliver. */
@ApiExcludeController()
@Public()
@Controller('console/notifications')
export class ConsoleNotificationsController {
  private readonly logger = new Logger(ConsoleNotificationsController.name);

  constructor(
    private readonly gate: ConsoleGate,
    private readonly endpoints: NotificationEndpointsService,
    private readonly notifications: NotificationsService,
  ) {}

  @Get()
  async show(@Req() request: FastifyRequest, @Query('done') done: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const [endpoints, deliveries] = await Promise.all([this.endpoints.list(undefined, 100), this.notifications.newest(LOG_SIZE)]);
    const notice = done === 'redelivered' ? { kind: 'success' as const, text: 'Queued for delivery now.' } : undefined;
    sendPage(reply, consolePage({ title: 'Notifications', section: 'notifications', operator, notice, content: notificationsContent(operator, endpoints.rows, deliveries) }));
  }

  @Post(':id/redeliver')
  async redeliver(@Req() request: FastifyRequest, @Param('id') id: string, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.actor(request, form);
    await this.notifications.redeliver(id);
    this.logger.log({ deliveryId: id, apiKey: operator.apiKeyPrefix }, 'console: notification redelivered');
    redirectTo(reply, '/console/notifications?done=redelivered');
  }
}
