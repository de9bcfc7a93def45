import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Customer } from './customer.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Customer])],
})
export class CustomersModule {}
