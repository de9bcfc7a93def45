import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BillingPeriod } from './billing-period.entity.js';
import { SubscriptionItem } from './subscription-item.entity.js';
import { Subscription } from './subscription.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Subscription, SubscriptionItem, BillingPeriod])],
})
export class SubscriptionsModule {}
