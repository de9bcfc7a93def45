import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator.js';
import { StripeErrors } from '../stripe/stripe.errors.js';
import { InvoiceVerificationErrors } from './invoice-verification.errors.js';
import { RequireScopes } from '../auth/scopes.decorator.js';
import { pageRequest, PageResponse, toPage, type Page } from '../common/http/pagination.js';
import { InvoiceVerificationService } from './invoice-verification.service.js';
import { InvoiceVerificationResponse, ListVerificationsQuery, ReleaseInvoiceRequest } from './invoice-verification.response.js';

const InvoiceVerificationPage = PageResponse(InvoiceVerificationResponse);

/** Period close: each draft invoice checked against the ledger before Stripe finalizes it. */
@ApiTags('invoice-verification')
@RequireScopes('admin')
@Controller('v1/invoices')
export class InvoiceVerificationsController {
  constructor(private readonly verification: InvoiceVerificationService) {}

  @Get('verifications')
  @ApiOperation({ operationId: 'listInvoiceVerifications', summary: 'Verifications, newest first, by state (cursor-paginated): ?state=held lists what waits for an operator' })
  @ApiOkResponse({ type: InvoiceVerificationPage })
  @ApiErrors(CommonErrors.QUERY_TIMEOUT)
  async list(@Query() query: ListVerificationsQuery): Promise<Page<InvoiceVerificationResponse>> {
    const request = pageRequest(query);
    return toPage(await this.verification.listPage(request, query.state), request, (row) => row.id, InvoiceVerificationResponse.from);
  }

  @Get(':invoiceId/verification')
  @ApiOperation({ operationId: 'getInvoiceVerification', summary: "An invoice's verification: state and the difference per metered line" })
  @ApiOkResponse({ type: InvoiceVerificationResponse })
  @ApiErrors(InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_FOUND)
  async get(@Param('invoiceId') invoiceId: string): Promise<InvoiceVerificationResponse> {
    return InvoiceVerificationResponse.from(await this.verification.get(invoiceId));
  }

  @Post(':invoiceId/release')
  @HttpCode(200)
  @ApiOperation({ operationId: 'releaseHeldInvoice', summary: 'Let a held invoice finalize (auto_advance on; finalized now if its finalization time has passed)' })
  @ApiOkResponse({ type: InvoiceVerificationResponse })
  @ApiErrors(InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_FOUND, InvoiceVerificationErrors.INVOICE_NOT_HELD, StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async release(@Param('invoiceId') invoiceId: string, @Body() body: ReleaseInvoiceRequest): Promise<InvoiceVerificationResponse> {
    return InvoiceVerificationResponse.from(await this.verification.release(invoiceId, body.reason));
  }

  @Post(':invoiceId/recheck')
  @HttpCode(200)
  @ApiOperation({ operationId: 'recheckInvoice', summary: 'Check a held or mismatched invoice against the ledger again now; a match releases it' })
  @ApiOkResponse({ type: InvoiceVerificationResponse })
  @ApiErrors(InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_FOUND, InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_DECIDED_AGAINST, StripeErrors.STRIPE_REJECTED, StripeErrors.STRIPE_MISCONFIGURED, StripeErrors.STRIPE_UNAVAILABLE)
  async recheck(@Param('invoiceId') invoiceId: string): Promise<InvoiceVerificationResponse> {
    return InvoiceVerificationResponse.from(await this.verification.recheck(invoiceId));
  }
}
