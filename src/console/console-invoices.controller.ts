import { Body, Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { InvoiceVerificationResponse, ListVerificationsQuery } from '../invoice-verification/invoice-verification.response.js';
import { InvoiceVerificationService } from '../invoice-verification/invoice-verification.service.js';
import { ConsoleGate } from './console-gate.js';
import { redirectTo, sendPage, shownOnPage, type ConsoleForm } from './console-http.js';
import type { ConsoleOperator } from './console-sessions.service.js';
import { consolePage, type Notice } from './layout.js';
import { invoiceContent, invoicesContent } from './pages/invoices.page.js';
import { requiredReason } from './required-reason.js';

const DONE: Record<string, Notice> = {
  released: { kind: 'success', text: 'Released: Stripe finalizes the invoice.' },
  rechecked: { kind: 'success', text: 'Rechecked against the ledger: the state below is the outcome.' },
};

/** Invoices: verifications, a held invoice's per-line difference, Release and Recheck. */
@ApiExcludeController()
@Public()
@Controller('console/invoices')
export class ConsoleInvoicesController {
  private readonly logger = new Logger(ConsoleInvoicesController.name);

  constructor(
    private readonly gate: ConsoleGate,
    private readonly invoices: InvoiceVerificationService,
  ) {}

  @Get()
  async list(@Req() request: FastifyRequest, @Query() query: ListVerificationsQuery, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const rows = await this.invoices.newest(100, query.state);
    sendPage(reply, consolePage({ title: 'Invoices', section: 'invoices', operator, content: invoicesContent(rows.map(InvoiceVerificationResponse.from), query.state) }));
  }

  @Get(':invoiceId')
  async show(@Req() request: FastifyRequest, @Param('invoiceId') invoiceId: string, @Query('done') done: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    await this.render(reply, operator, invoiceId, done ? DONE[done] : undefined);
  }

  @Post(':invoiceId/release')
  release(@Req() request: FastifyRequest, @Param('invoiceId') invoiceId: string, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.act(request, reply, invoiceId, form, 'released', async (reason) => {
      await this.invoices.release(invoiceId, reason);
    });
  }

  @Post(':invoiceId/recheck')
  recheck(@Req() request: FastifyRequest, @Param('invoiceId') invoiceId: string, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.act(request, reply, invoiceId, form, 'rechecked', async () => {
      await this.invoices.recheck(invoiceId);
    });
  }

  /** An action with its required reason, recorded in the log with the key that made it; a refusal is shown on the page. */
  private async act(request: FastifyRequest, reply: FastifyReply, invoiceId: string, form: ConsoleForm | undefined, done: string, action: (reason: string) => Promise<void>): Promise<void> {
    const operator = await this.gate.actor(request, form);
    try {
      const reason = requiredReason(form);
      await action(reason);
      this.logger.log({ invoiceId, apiKey: operator.apiKeyPrefix, reason }, `console: invoice ${done}`);
      redirectTo(reply, `/console/invoices/${encodeURIComponent(invoiceId)}?done=${done}`);
    } catch (error) {
      if (!shownOnPage(request, error)) throw error;
      await this.render(reply, operator, invoiceId, { kind: 'error', text: error.message }, error.status);
    }
  }

  private async render(reply: FastifyReply, operator: ConsoleOperator, invoiceId: string, notice: Notice | undefined, status = 200): Promise<void> {
    const verification = InvoiceVerificationResponse.from(await this.invoices.get(invoiceId));
    sendPage(reply, consolePage({ title: `Invoice ${invoiceId}`, section: 'invoices', operator, notice, content: invoiceContent(operator, verification) }), status);
  }
}
