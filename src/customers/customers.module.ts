import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DatabaseModule } from '../database/database.module.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { Customer } from './customer.entity.js';
import { CustomersController } from './customers.controller.js';
import { CUSTOMER_READS, CustomersRepository } from './customers.repository.js';
import { CustomersService } from './customers.service.js';

@Module({
  imports: [MikroOrmModule.forFeature([Customer]), NotificationsModule, DatabaseModule],
  controllers: [CustomersController],
  providers: [
    CustomersRepository,
    { provide: CUSTOMER_READS, inject: [RequestReadsDatabase], useFactory: (reads: RequestReadsDatabase) => new CustomersRepository(reads.orm.em) },
    CustomersService,
  ],
  exports: [CustomersService],
})
export class CustomersModule {}
