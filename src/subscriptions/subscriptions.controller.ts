import { Body, Controller, Delete, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { CustomersErrors } from '../customers/customers.errors.js';
import { MeteringErrors } from '../metering/metering.errors.js';
import { StripeErrors } from '../stripe/stripe.errors.js';
import { SubscriptionsErrors } from './subscriptions.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CancelSubscriptionQuery, CreateSubscriptionDto } from './subscription.dto.js';
import { SubscriptionResponse } from './subscription.response.js';
import { SubscriptionsService } from './subscriptions.service.js';

@ApiTags('subscriptions')
@RequireScopes('admin')
@Controller('v1')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post('customers/:customerId/subscriptions')
  @ApiOperation({ operationId: 'createSubscription', summary: "Subscribe the customer to meters (every active one by default), or add meters its live subscription lacks" })
  @ApiCreatedResponse({ type: SubscriptionResponse, description: 'the subscription created, or the live one with the meters added' })
  @ApiErrors(
    CustomersErrors.CUSTOMER_NOT_FOUND,
    MeteringErrors.METER_NOT_FOUND,
    MeteringErrors.METER_INACTIVE,
    SubscriptionsErrors.SUBSCRIPTION_EXISTS,
    SubscriptionsErrors.NO_ACTIVE_METERS,
    SubscriptionsErrors.METER_NOT_PROVISIONED,
    StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE,
  )
  async subscribe(@Param('customerId') customerId: string, @Body() body: CreateSubscriptionDto): Promise<SubscriptionResponse> {
    return SubscriptionResponse.from(await this.subscriptions.subscribe(customerId, body));
  }

  /** period_end (default) schedules the cancellation; now cancels and invoices the outstanding usage. */
  @Delete('subscriptions/:id')
  @ApiOperation({ operationId: 'cancelSubscription', summary: 'Cancel at the period end (default) or now, invoicing the outstanding usage' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(SubscriptionsErrors.SUBSCRIPTION_NOT_FOUND, SubscriptionsErrors.SUBSCRIPTION_NOT_CREATED, SubscriptionsErrors.SUBSCRIPTION_ALREADY_CANCELED, StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async cancel(@Param('id') id: string, @Query() query: CancelSubscriptionQuery): Promise<SubscriptionResponse> {
    return SubscriptionResponse.from(await this.subscriptions.cancel(id, query.at));
  }
}
