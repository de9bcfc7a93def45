import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { CreateCustomerDto, FindCustomersQuery } from './create-customer.dto.js';
import { CustomerResponse } from './customer.response.js';
import { CustomersService } from './customers.service.js';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  /** Get-or-create by externalId: 201 when created, 200 with the same customer afterwards. */
  @Post()
  @RequireScopes('admin')
  @ApiOkResponse({ type: CustomerResponse })
  async create(@Body() body: CreateCustomerDto, @Res({ passthrough: true }) response: FastifyReply): Promise<CustomerResponse> {
    const { customer, created } = await this.customers.getOrCreate(body);
    void response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return CustomerResponse.from(await this.customers.view(customer.id));
  }

  @Get()
  @RequireScopes('admin', 'usage:read')
  @ApiOkResponse({ type: [CustomerResponse] })
  async find(@Query() query: FindCustomersQuery): Promise<{ data: CustomerResponse[] }> {
    return { data: (await this.customers.findByExternalId(query.externalId)).map(CustomerResponse.from) };
  }

  @Get(':id')
  @RequireScopes('admin', 'usage:read')
  @ApiOkResponse({ type: CustomerResponse })
  async get(@Param('id') id: string): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.view(id));
  }
}
