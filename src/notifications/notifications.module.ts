import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { DatabaseModule } from '../database/database.module.js';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { MeteringModule } from '../metering/metering.module.js';
import { EndpointUrlPolicy } from './endpoint-url.policy.js';
import { NotificationDeliverer } from './notification-deliverer.service.js';
import { NOTIFICATION_DELIVERY_READS, NotificationDeliveriesRepository } from './notification-deliveries.repository.js';
import { NotificationDelivery } from './notification-delivery.entity.js';
import { NotificationEndpoint } from './notification-endpoint.entity.js';
import { NotificationEndpointsController } from './notification-endpoints.controller.js';
import { NOTIFICATION_ENDPOINT_READS, NotificationEndpointsRepository } from './notification-endpoints.repository.js';
import { NotificationEndpointsService } from './notification-endpoints.service.js';
import { NotificationOutbox } from './notification-outbox.js';
import { Notification } from './notification.entity.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';
import { UsageAlertCrossing } from './usage-alert-crossing.entity.js';
import { UsageAlertUnits } from './usage-alert-units.entity.js';
import { UsageAlertUnitsRepository } from './usage-alert-units.repository.js';
import { UsageAlertWatermark } from './usage-alert-watermark.entity.js';
import { UsageAlert } from './usage-alert.entity.js';
import { UsageAlertEvaluator } from './usage-alert.evaluator.js';
import { UsageAlertsController } from './usage-alerts.controller.js';
import { USAGE_ALERT_READS, UsageAlertsRepository } from './usage-alerts.repository.js';
import { UsageAlertsService } from './usage-alerts.service.js';

/**
 * Outgoing notifications: endpoints, the outbox port other modules announce facts through
 * (NotificationOutbox), the deliverer, the delivery log, and usage alerts.
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    MeteringModule,
    DatabaseModule,
    MikroOrmModule.forFeature([NotificationEndpoint, Notification, NotificationDelivery, UsageAlert, UsageAlertCrossing, UsageAlertWatermark, UsageAlertUnits]),
  ],
  controllers: [NotificationEndpointsController, NotificationsController, UsageAlertsController],
  providers: [
    NativeSql,
    EndpointUrlPolicy,
    NotificationOutbox,
    NotificationEndpointsRepository,
    { provide: NOTIFICATION_ENDPOINT_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new NotificationEndpointsRepository(reads.orm.em) },
    NotificationEndpointsService,
    NotificationDeliveriesRepository,
    { provide: NOTIFICATION_DELIVERY_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new NotificationDeliveriesRepository(reads.sql) },
    NotificationsService,
    NotificationDeliverer,
    UsageAlertsRepository,
    { provide: USAGE_ALERT_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new UsageAlertsRepository(reads.sql) },
    UsageAlertUnitsRepository,
    UsageAlertsService,
    UsageAlertEvaluator,
  ],
  exports: [NotificationOutbox, NotificationsService, NotificationEndpointsService],
})
export class NotificationsModule {}
