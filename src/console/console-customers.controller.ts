import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import pLimit from 'p-limit';
import { Public } from '../auth/scopes.decorator.js';
import { CustomersService } from '../customers/customers.service.js';
import { UsageTotalsService } from '../usage-totals/usage-totals.service.js';
import { ConsoleGate } from './console-gate.js';
import { queryText, sendPage } from './console-http.js';
import { consolePage } from './layout.js';
import { customerContent, customersContent, type MeterDays } from './pages/customers.page.js';

const PAGE_SIZE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The per-day totals are read a few at a time, beside the other requests on the read pool. */
const DAY_READS_AT_ONCE = 4;

/** Customers: search by external id, current-period usage per meter with its estimate, a chart per day. */
@ApiExcludeController()
@Public()
@Controller('console/customers')
export class ConsoleCustomersController {
  constructor(
    private readonly gate: ConsoleGate,
    private readonly customers: CustomersService,
    private readonly totals: UsageTotalsService,
  ) {}

  @Get()
  async list(@Req() request: FastifyRequest, @Query('externalId') externalId: unknown, @Query('after') after: unknown, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const search = queryText(externalId)?.trim() || undefined;
    const views = (await this.customers.listPage({ limit: PAGE_SIZE, after: search ? undefined : queryText(after) }, search)).rows;
    const shown = views.slice(0, PAGE_SIZE);
    const nextAfter = views.length > PAGE_SIZE ? shown[shown.length - 1]!.customer.externalId : null;
    sendPage(reply, consolePage({ title: 'Customers', section: 'customers', operator, content: customersContent(shown, search, nextAfter) }));
  }

  @Get(':id')
  async show(@Req() request: FastifyRequest, @Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const view = await this.customers.view(id);
    const { meters } = await this.totals.totals(id, {});
    const days = await this.usagePerDay(id, meters);
    sendPage(reply, consolePage({ title: `Customer ${view.customer.externalId}`, section: 'customers', operator, content: customerContent(view, meters, days) }));
  }

  /** Each meter's ingested units per UTC day of its current period, up to today, from the same totals the API serves. */
  private async usagePerDay(customerId: string, meters: { meter: string; periodStart: string; periodEnd: string }[]): Promise<MeterDays[]> {
    if (meters.length === 0) return [];
    const start = Math.floor(Math.min(...meters.map((meter) => new Date(meter.periodStart).getTime())) / DAY_MS) * DAY_MS;
    const end = Math.min(Date.now(), Math.max(...meters.map((meter) => new Date(meter.periodEnd).getTime())));
    const dayStarts = Array.from({ length: Math.max(1, Math.ceil((end - start) / DAY_MS)) }, (_, index) => start + index * DAY_MS);
    const limit = pLimit(DAY_READS_AT_ONCE);
    const perDay = await Promise.all(
      dayStarts.map((from) => limit(async () => (await this.totals.totals(customerId, { from: new Date(from).toISOString(), to: new Date(from + DAY_MS).toISOString() })).meters)),
    );
    return meters.map(({ meter }) => ({
      meter,
      days: dayStarts.map((from, index) => ({ label: new Date(from).toISOString().slice(5, 10), value: Number(perDay[index]!.find((row) => row.meter === meter)?.ingested ?? 0) })),
    }));
  }
}
