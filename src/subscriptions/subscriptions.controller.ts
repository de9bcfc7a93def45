import { Body, Controller, Delete, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CancelSubscriptionQuery, CreateSubscriptionDto } from './subscription.dto.js';
import { SubscriptionResponse } from './subscription.response.js';
import { SubscriptionsService } from './subscriptions.service.js';

@ApiTags('subscriptions')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post('customers/:customerId/subscriptions')
  @ApiOkResponse({ type: SubscriptionResponse })
  async subscribe(@Param('customerId') customerId: string, @Body() body: CreateSubscriptionDto): Promise<SubscriptionResponse> {
    return SubscriptionResponse.from(await this.subscriptions.subscribe(customerId, body));
  }

  /** period_end (default) schedules the cancellation; now cancels and invoices the outstanding usage. */
  @Delete('subscriptions/:id')
  @ApiOkResponse({ type: SubscriptionResponse })
  async cancel(@Param('id') id: string, @Query() query: CancelSubscriptionQuery): Promise<SubscriptionResponse> {
    return SubscriptionResponse.from(await this.subscriptions.cancel(id, query.at));
  }
}
