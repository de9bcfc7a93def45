import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { StripeErrors } from '../stripe/stripe.errors.js';
import { CustomersErrors } from './customers.errors.js';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { pageRequest, PageResponse, toPage, type Page } from '../common/http/pagination.js';
import { CreateCustomerDto, FindCustomersQuery } from './create-customer.dto.js';
import { CustomerResponse } from './customer.response.js';
import { CustomersService } from './customers.service.js';

const CustomerPage = PageResponse(CustomerResponse);

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  /** Get-or-create by externalId: 201 when created, 200 with the same customer afterwards. */
  @Post()
  @RequireScopes('admin')
  @ApiOperation({ operationId: 'createCustomer', summary: 'Get-or-create a customer by externalId, with its Stripe customer' })
  @ApiCreatedResponse({ type: CustomerResponse, description: 'created' })
  @ApiOkResponse({ type: CustomerResponse, description: 'a customer with this externalId existed: that customer' })
  @ApiErrors(StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async create(@Body() body: CreateCustomerDto, @Res({ passthrough: true }) response: FastifyReply): Promise<CustomerResponse> {
    const { customer, created } = await this.customers.getOrCreate(body);
    void response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return CustomerResponse.from(await this.customers.view(customer.id));
  }

  @Get()
  @RequireScopes('admin', 'usage:read')
  @ApiOperation({ operationId: 'listCustomers', summary: 'Customers in externalId order, a page at a time, or the one with externalId' })
  @ApiOkResponse({ type: CustomerPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async find(@Query() query: FindCustomersQuery): Promise<Page<CustomerResponse>> {
    const request = pageRequest(query);
    return toPage(await this.customers.listPage(request, query.externalId), request, (view) => view.customer.externalId, CustomerResponse.from);
  }

  @Get(':id')
  @RequireScopes('admin', 'usage:read')
  @ApiOperation({ operationId: 'getCustomer', summary: 'One customer with its subscription' })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiErrors(CustomersErrors.CUSTOMER_NOT_FOUND)
  async get(@Param('id') id: string): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.view(id));
  }
}
