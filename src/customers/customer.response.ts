import { ApiProperty } from '@nestjs/swagger';
import type { CustomerView } from './customers.service.js';

export class CustomerSubscriptionResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ nullable: true, type: String }) stripeSubscriptionId!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ nullable: true, type: String }) currentPeriodStart!: string | null;
  @ApiProperty({ nullable: true, type: String }) currentPeriodEnd!: string | null;
}

export class CustomerResponse {
  @ApiProperty() id!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) stripeCustomerId!: string | null;
  @ApiProperty({ enum: ['active', 'past_due', 'canceled', 'deleted'] }) status!: string;
  @ApiProperty({ nullable: true, type: CustomerSubscriptionResponse }) subscription!: CustomerSubscriptionResponse | null;
  @ApiProperty() createdAt!: string;

  static from({ customer, subscription }: CustomerView): CustomerResponse {
    return {
      id: customer.id,
      externalId: customer.externalId,
      email: customer.email,
      name: customer.name ?? null,
      stripeCustomerId: customer.stripeCustomerId ?? null,
      status: customer.status,
      subscription: subscription && {
        id: subscription.id,
        stripeSubscriptionId: subscription.stripeSubscriptionId,
        status: subscription.status,
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        currentPeriodStart: subscription.currentPeriodStart && new Date(subscription.currentPeriodStart).toISOString(),
        currentPeriodEnd: subscription.currentPeriodEnd && new Date(subscription.currentPeriodEnd).toISOString(),
      },
      createdAt: customer.createdAt.toISOString(),
    };
  }
}
