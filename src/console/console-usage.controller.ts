import { Body, Controller, Get, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { CorrectionsService } from '../corrections/corrections.service.js';
import { EventTraceService } from '../corrections/event-trace.service.js';
import { CustomersService } from '../customers/customers.service.js';
import { customerNotFound } from '../customers/customers.errors.js';
import { ConsoleGate } from './console-gate.js';
import { html } from './html.js';
import { queryText, redirectTo, sendPage, shownOnPage, type ConsoleForm } from './console-http.js';
import type { ConsoleOperator } from './console-sessions.service.js';
import { consolePage, type Notice } from './layout.js';
import { traceContent, traceSearch, type TraceQuery } from './pages/trace.page.js';
import { requiredReason } from './required-reason.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CORRECTED: Notice = { kind: 'success', text: 'Corrected: the trace below includes the correction.' };

/** Usage trace: find an event by customer and idempotency key, see where it went, correct it. */
@ApiExcludeController()
@Public()
@Controller('console/trace')
export class ConsoleUsageController {
  private readonly logger = new Logger(ConsoleUsageController.name);

  constructor(
    private readonly gate: ConsoleGate,
    private readonly traces: EventTraceService,
    private readonly corrections: CorrectionsService,
    private readonly customers: CustomersService,
  ) {}

  @Get()
  async trace(@Req() request: FastifyRequest, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const search: TraceQuery = { customer: queryText(query.customer), key: queryText(query.key) };
    await this.render(request, reply, operator, search, query.done === 'corrected' ? CORRECTED : undefined);
  }

  @Post('correct')
  async correct(@Req() request: FastifyRequest, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.actor(request, form);
    const query = { customer: form?.customerId, key: form?.idempotencyKey };
    try {
      const reason = requiredReason(form);
      const value = /^\d{1,18}$/.test(form?.value ?? '') ? Number(form!.value) : form?.value;
      const body = { customerId: form?.customerId, idempotencyKey: form?.idempotencyKey, correctionKey: form?.correctionKey, value, reason };
      const { correction } = await this.corrections.recordOne(body, operator.apiKeyPrefix);
      this.logger.log({ correctionId: correction.id, apiKey: operator.apiKeyPrefix }, 'console: usage event corrected');
      redirectTo(reply, `/console/trace?${new URLSearchParams({ customer: correction.customerId, key: correction.idempotencyKey, done: 'corrected' })}`);
    } catch (error) {
      if (!shownOnPage(request, error)) throw error;
      await this.render(request, reply, operator, query, { kind: 'error', text: error.message }, error.status);
    }
  }

  /** The search form, and under it the trace when a customer and key were given (or why there is none). */
  private async render(request: FastifyRequest, reply: FastifyReply, operator: ConsoleOperator, query: TraceQuery, notice: Notice | undefined, status = 200): Promise<void> {
    let content = traceSearch(query);
    if (query.customer && query.key) {
      try {
        const trace = await this.traces.trace(await this.customerId(query.customer), query.key);
        content = html`${content}${traceContent(operator, trace)}`;
      } catch (error) {
        if (!shownOnPage(request, error)) throw error;
        notice ??= { kind: 'error', text: error.message };
        status = status === 200 ? error.status : status;
      }
    }
    sendPage(reply, consolePage({ title: 'Usage trace', section: 'trace', operator, notice, content }), status);
  }

  /** A customer id as given, or the id of the customer with this external id. */
  private async customerId(reference: string): Promise<string> {
    if (UUID.test(reference)) return reference;
    const [view] = (await this.customers.listPage({ limit: 1 }, reference)).rows;
    if (!view) throw customerNotFound(`external id ${reference}`);
    return view.customer.id;
  }
}
