import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { SubscriptionItem } from './subscription-item.entity.js';
import { Subscription } from './subscription.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Subscription, SubscriptionItem])],
})
export class SubscriptionsModule {}
