import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { FastifyInstance } from 'fastify';
import { AuthModule } from '../auth/auth.module.js';
import { CorrectionsModule } from '../corrections/corrections.module.js';
import { CustomersModule } from '../customers/customers.module.js';
import { NativeSql } from '../database/native-sql.js';
import { InvoiceVerificationModule } from '../invoice-verification/invoice-verification.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { ReportingModule } from '../reporting/reporting.module.js';
import { UsageTotalsModule } from '../usage-totals/usage-totals.module.js';
import { ConsoleCustomersController } from './console-customers.controller.js';
import { ConsoleGate } from './console-gate.js';
import { acceptConsoleForms } from './console-http.js';
import { ConsoleInvoicesController } from './console-invoices.controller.js';
import { ConsoleNotificationsController } from './console-notifications.controller.js';
import { ConsoleSession } from './console-session.entity.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { ConsoleUsageController } from './console-usage.controller.js';
import { ConsoleController } from './console.controller.js';

/**
 * The operator console at /console (docs/console.md): server-rendered pages over the services of
 * the other modules. AppModule imports it only when CONSOLE_ENABLED allows it.
 */
@Module({
  imports: [
    MikroOrmModule.forFeature([ConsoleSession]),
    AuthModule,
    CorrectionsModule,
    CustomersModule,
    InvoiceVerificationModule,
    NotificationsModule,
    ReportingModule,
    UsageTotalsModule,
  ],
  controllers: [ConsoleController, ConsoleInvoicesController, ConsoleUsageController, ConsoleCustomersController, ConsoleNotificationsController],
  providers: [NativeSql, ConsoleSessionsRepository, ConsoleSessionsService, ConsoleGate],
})
export class ConsoleModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // absent in application contexts without HTTP (the CLI)
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) acceptConsoleForms(fastify);
  }
}
