import { Controller, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { WebhookIntakeService, type IntakeResult } from './webhook-intake.service.js';

/** Stripe's deliveries: no API key, the Stripe-Signature header over the raw body is the credential. */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly intake: WebhookIntakeService) {}

  @Post('stripe')
  @HttpCode(200)
  receive(@Req() request: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature?: string): Promise<IntakeResult> {
    return this.intake.receive(request.rawBody, signature);
  }
}
