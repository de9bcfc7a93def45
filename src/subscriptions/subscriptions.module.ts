import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { CustomersModule } from '../customers/customers.module.js';
import { MeteringModule } from '../metering/metering.module.js';
import { ReportingModule } from '../reporting/reporting.module.js';
import { BillingPeriod } from './billing-period.entity.js';
import { SubscriptionItem } from './subscription-item.entity.js';
import { Subscription } from './subscription.entity.js';
import { SubscriptionsController } from './subscriptions.controller.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import { SubscriptionsService } from './subscriptions.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Subscription, SubscriptionItem, BillingPeriod]), CustomersModule, MeteringModule, ReportingModule],
  controllers: [SubscriptionsController],
  providers: [SubscriptionsRepository, SubscriptionsService],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
