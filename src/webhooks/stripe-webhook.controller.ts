import { Controller, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { WebhookIntakeService, type IntakeResult } from './webhook-intake.service.js';
import { WebhooksErrors } from './webhooks.errors.js';

class WebhookReceipt implements IntakeResult {
  @ApiProperty({ enum: [true] }) received!: true;
  @ApiProperty({ description: 'the event id was received before: nothing is done twice' }) duplicate!: boolean;
}

/** Stripe's deliveries: no API key, the Stripe-Signature header over the raw body is the credential. */
@ApiTags('webhooks')
@Public()
@SkipThrottle()
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly intake: WebhookIntakeService) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiOperation({ operationId: 'receiveStripeWebhook', summary: "Stripe's webhook deliveries (called by Stripe, not by internal services)" })
  @ApiHeader({ name: 'stripe-signature', required: true, description: "Stripe's signature of the raw body" })
  @ApiBody({ description: 'a Stripe event', schema: { type: 'object', additionalProperties: true } })
  @ApiOkResponse({ type: WebhookReceipt, description: 'stored (processing follows; a failure is retried by the sweep)' })
  @ApiErrors(
    WebhooksErrors.WEBHOOK_SIGNATURE_MISSING,
    WebhooksErrors.WEBHOOK_SIGNATURE_INVALID,
    WebhooksErrors.WEBHOOK_BODY_MISSING,
    WebhooksErrors.WEBHOOK_EVENT_MALFORMED,
    WebhooksErrors.WEBHOOKS_NOT_CONFIGURED,
  )
  receive(@Req() request: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature?: string): Promise<IntakeResult> {
    return this.intake.receive(request.rawBody, signature);
  }
}
