import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Meter } from './meter.entity.js';
import { UsageEvent } from './usage-event.entity.js';

@Module({
  imports: [MikroOrmModule.forFeature([Meter, UsageEvent])],
})
export class MeteringModule {}
