import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { CustomersModule } from '../customers/customers.module.js';
import { InvoiceVerificationModule } from '../invoice-verification/invoice-verification.module.js';
import { ReportingModule } from '../reporting/reporting.module.js';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module.js';
import { CustomerBillingStatusHandler } from './handlers/customer-billing-status.handler.js';
import { InvoiceCreatedHandler } from './handlers/invoice-created.handler.js';
import { InvoiceFinalizedHandler } from './handlers/invoice-finalized.handler.js';
import { MeterErrorHandler } from './handlers/meter-error.handler.js';
import { SubscriptionChangedHandler } from './handlers/subscription-changed.handler.js';
import { StripeSignatureVerifier } from './stripe-signature.verifier.js';
import { StripeWebhookController } from './stripe-webhook.controller.js';
import { WebhookEvent } from './webhook-event.entity.js';
import { WebhookEventsController } from './webhook-events.controller.js';
import { WEBHOOK_EVENT_READS, WebhookEventsRepository } from './webhook-events.repository.js';
import { WEBHOOK_HANDLERS, type WebhookHandler } from './webhook-handler.js';
import { WebhookIntakeService } from './webhook-intake.service.js';
import { WebhookProcessor } from './webhook-processor.service.js';
import { WebhookRetryScheduler } from './webhook-retry.scheduler.js';

const HANDLERS = [SubscriptionChangedHandler, InvoiceCreatedHandler, InvoiceFinalizedHandler, CustomerBillingStatusHandler, MeterErrorHandler];

@Module({
  imports: [MikroOrmModule.forFeature([WebhookEvent]), CustomersModule, SubscriptionsModule, ReportingModule, InvoiceVerificationModule, DatabaseModule],
  controllers: [StripeWebhookController, WebhookEventsController],
  providers: [
    ...HANDLERS,
    { provide: WEBHOOK_HANDLERS, inject: HANDLERS, useFactory: (...handlers: WebhookHandler[]) => handlers },
    StripeSignatureVerifier,
    WebhookEventsRepository,
    { provide: WEBHOOK_EVENT_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new WebhookEventsRepository(reads.orm.em) },
    WebhookProcessor,
    WebhookIntakeService,
    WebhookRetryScheduler,
  ],
})
export class WebhooksModule {}
