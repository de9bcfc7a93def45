import { Body, Controller, Get, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { StripeErrors } from '../stripe/stripe.errors.js';
import { MeteringErrors } from './metering.errors.js';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { PageQuery, PageResponse, pageRequest, toPage, type Page } from '../common/http/pagination.js';
import { CreateMeterDto } from './create-meter.dto.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';
import { MeterResponse } from './meter.response.js';

const MeterPage = PageResponse(MeterResponse);

@ApiTags('metering')
@RequireScopes('admin')
@Controller('v1/meters')
export class MetersController {
  constructor(private readonly catalogue: MeterCatalogueService) {}

  /** Creates the meter with its Stripe billing meter and metered price; 201 new, 200 existing. */
  @Post()
  @ApiOperation({ operationId: 'createMeter', summary: 'Create a meter with its Stripe billing meter and metered price (idempotent by key)' })
  @ApiCreatedResponse({ type: MeterResponse, description: 'created' })
  @ApiOkResponse({ type: MeterResponse, description: 'the meter existed with this definition (its display name may have changed)' })
  @ApiErrors(MeteringErrors.METER_DEFINITION_CONFLICT, StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async create(@Body() body: CreateMeterDto, @Res({ passthrough: true }) response: FastifyReply): Promise<MeterResponse> {
    const { meter, created } = await this.catalogue.register(body);
    void response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return MeterResponse.from(meter);
  }

  @Get()
  @ApiOperation({ operationId: 'listMeters', summary: 'The meter catalogue in key order, a page at a time' })
  @ApiOkResponse({ type: MeterPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: PageQuery): Promise<Page<MeterResponse>> {
    const request = pageRequest(query);
    return toPage(await this.catalogue.listPage(request), request, (meter) => meter.key, MeterResponse.from);
  }
}
