import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { pageRequest, PageResponse, toPage, type Page } from '../common/http/pagination.js';
import { CreateCustomerDto, FindCustomersQuery } from './create-customer.dto.js';
import { CustomerResponse } from './customer.response.js';
import { CustomersService } from './customers.service.js';

const CustomerPage = PageResponse(CustomerResponse);

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
  @ApiOperation({ operationId: 'listCustomers', summary: 'Customers in externalId order, a page at a time, or the one with externalId' })
  @ApiOkResponse({ type: CustomerPage })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: limit outside 1…500, or a cursor this list did not issue' })
  async find(@Query() query: FindCustomersQuery): Promise<Page<CustomerResponse>> {
    const request = pageRequest(query);
    return toPage(await this.customers.listPage(request, query.externalId), request, (view) => view.customer.externalId, CustomerResponse.from);
  }

  @Get(':id')
  @RequireScopes('admin', 'usage:read')
  @ApiOkResponse({ type: CustomerResponse })
  async get(@Param('id') id: string): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.view(id));
  }
}
