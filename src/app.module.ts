import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import { configModuleFor } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { AuthModule } from './auth/auth.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { createRootLogger } from './common/logging/root-logger.js';
import { CustomersModule } from './customers/customers.module.js';
import { InvoiceVerificationModule } from './invoice-verification/invoice-verification.module.js';
import { MeteringModule } from './metering/metering.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { ConsoleModule } from './console/console.module.js';
import { CorrectionsModule } from './corrections/corrections.module.js';
import { ReportingModule } from './reporting/reporting.module.js';
import { UsageTotalsModule } from './usage-totals/usage-totals.module.js';
import { SubscriptionsModule } from './subscriptions/subscriptions.module.js';
import { StripeModule } from './stripe/stripe.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  /**
   * The config is validated (and the database URL resolved) before the module graph is built; the
   * HTTP application passes the logger its Fastify adapter writes with.
   */
  static forRoot(config: AppConfig, logger: Logger = createRootLogger(config)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModuleFor(config),
        LoggingModule.forRoot(logger),
        MetricsModule,
        DatabaseModule,
        StripeModule,
        AuthModule,
        HealthModule,
        CustomersModule,
        SubscriptionsModule,
        MeteringModule,
        NotificationsModule,
        CorrectionsModule,
        ReportingModule,
        UsageTotalsModule,
        InvoiceVerificationModule,
        WebhooksModule,
        ...(config.consoleEnabled ? [ConsoleModule] : []),
      ],
    };
  }
}
