import { ApiProperty } from '@nestjs/swagger';
import type { SubscriptionView } from './subscriptions.service.js';

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export class SubscriptionItemResponse {
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty() stripeItemId!: string;
  @ApiProperty() stripePriceId!: string;
  @ApiProperty() currentPeriodStart!: string;
  @ApiProperty() currentPeriodEnd!: string;
}

export class SubscriptionResponse {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ nullable: true, type: String }) stripeSubscriptionId!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'present only in the creation response' }) clientSecret!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'earliest period start among the items' }) currentPeriodStart!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'latest period end among the items' }) currentPeriodEnd!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ nullable: true, type: String }) cancelAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) canceledAt!: string | null;
  @ApiProperty({ type: [SubscriptionItemResponse] }) items!: SubscriptionItemResponse[];

  static from({ subscription, clientSecret }: SubscriptionView): SubscriptionResponse {
    const items = subscription.items.getItems().sort((a, b) => a.meter.key.localeCompare(b.meter.key));
    const starts = items.map((item) => item.currentPeriodStart.getTime());
    const ends = items.map((item) => item.currentPeriodEnd.getTime());
    return {
      id: subscription.id,
      customerId: subscription.customer.id,
      stripeSubscriptionId: subscription.stripeSubscriptionId ?? null,
      status: subscription.status,
      clientSecret,
      currentPeriodStart: starts.length ? new Date(Math.min(...starts)).toISOString() : null,
      currentPeriodEnd: ends.length ? new Date(Math.max(...ends)).toISOString() : null,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      cancelAt: iso(subscription.cancelAt),
      canceledAt: iso(subscription.canceledAt),
      items: items.map((item) => ({
        meter: item.meter.key,
        stripeItemId: item.stripeItemId,
        stripePriceId: item.stripePriceId,
        currentPeriodStart: item.currentPeriodStart.toISOString(),
        currentPeriodEnd: item.currentPeriodEnd.toISOString(),
      })),
    };
  }
}
