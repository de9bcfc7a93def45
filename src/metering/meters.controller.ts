import { Body, Controller, Get, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CreateMeterDto } from './create-meter.dto.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';
import { MeterResponse } from './meter.response.js';

@ApiTags('meters')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/meters')
export class MetersController {
  constructor(private readonly catalogue: MeterCatalogueService) {}

  /** Creates the meter with its Stripe billing meter and metered price; 201 new, 200 existing. */
  @Post()
  @ApiOkResponse({ type: MeterResponse })
  async create(@Body() body: CreateMeterDto, @Res({ passthrough: true }) response: FastifyReply): Promise<MeterResponse> {
    const { meter, created } = await this.catalogue.register(body);
    void response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return MeterResponse.from(meter);
  }

  @Get()
  @ApiOkResponse({ type: [MeterResponse] })
  async list(): Promise<{ data: MeterResponse[] }> {
    return { data: (await this.catalogue.list()).map(MeterResponse.from) };
  }
}
