import { Body, Controller, Get, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/scopes.decorator.js';
import { runtimeConfig } from '../config/namespaces.js';
import { InvoiceVerificationResponse } from '../invoice-verification/invoice-verification.response.js';
import { InvoiceVerificationService } from '../invoice-verification/invoice-verification.service.js';
import { ReconciliationService } from '../reporting/reconciliation.service.js';
import { ReportingService } from '../reporting/reporting.service.js';
import { ConsoleGate } from './console-gate.js';
import { clearSessionCookie, redirectTo, refuseForeignPost, sendPage, sessionIdOf, setSessionCookie, shownOnPage, type ConsoleForm } from './console-http.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { consolePage, signInPage } from './layout.js';
import { overviewContent } from './pages/overview.page.js';
import { CONSOLE_STYLESHEET } from './static/console-stylesheet.js';

/** Sign-in, sign-out, the Overview page and the stylesheet (docs/console.md). */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  private readonly logger = new Logger(ConsoleController.name);

  constructor(
    @Inject(runtimeConfig.KEY) runtime: ConfigType<typeof runtimeConfig>,
    private readonly gate: ConsoleGate,
    private readonly sessions: ConsoleSessionsService,
    private readonly reporting: ReportingService,
    private readonly reconciliation: ReconciliationService,
    private readonly invoices: InvoiceVerificationService,
  ) {
    this.secureCookie = runtime.nodeEnv === 'production';
  }

  /** Secure in production: the console is then reached over HTTPS only. */
  private readonly secureCookie: boolean;

  @Get('static/console.css')
  stylesheet(@Res() reply: FastifyReply): void {
    void reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CONSOLE_STYLESHEET);
  }

  @Get('sign-in')
  signInForm(@Res() reply: FastifyReply): void {
    sendPage(reply, signInPage());
  }

  @Post('sign-in')
  async signIn(@Req() request: FastifyRequest, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    refuseForeignPost(request);
    try {
      const sessionId = await this.sessions.signIn(form?.apiKey ?? '', request.ip);
      setSessionCookie(reply, sessionId, this.secureCookie);
      redirectTo(reply, '/console');
    } catch (error) {
      if (!shownOnPage(request, error)) throw error;
      this.logger.warn({ code: error.code }, 'console sign-in refused');
      sendPage(reply, signInPage({ kind: 'error', text: error.message }), error.status);
    }
  }

  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Body() form: ConsoleForm | undefined, @Res() reply: FastifyReply): Promise<void> {
    await this.gate.actor(request, form, { anyScope: true });
    await this.sessions.signOut(sessionIdOf(request)!);
    clearSessionCookie(reply, this.secureCookie);
    redirectTo(reply, '/console/sign-in');
  }

  @Get()
  async overview(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const operator = await this.gate.viewer(request, reply);
    if (!operator) return;
    const [status, held, heldCount, drifts, hourly] = await Promise.all([
      this.reporting.status(),
      this.invoices.newest(100, 'held'),
      this.invoices.countHeld(),
      this.reconciliation.latestDriftCount(),
      this.reporting.hourlyRuns(24),
    ]);
    const content = overviewContent({ status, held: held.map(InvoiceVerificationResponse.from), heldCount, drifts, hourly });
    sendPage(reply, consolePage({ title: 'Overview', section: 'overview', operator, content }));
  }
}
