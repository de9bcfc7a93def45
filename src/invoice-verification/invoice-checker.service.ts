import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { BillableUnitsService } from '../metering/billable-units.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import type { Stripe } from '../stripe/stripe.constants.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { agrees, compareLine, describeDifferences, matchLines } from './invoice-comparison.js';
import type { VerificationState, VerifiedLine } from './invoice-verification.entity.js';
import { stripeNow } from './stripe-now.js';
import { InvoiceVerificationsRepository, type CheckOutcome, type VerificationRecord } from './invoice-verifications.repository.js';

const fromUnix = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? null : new Date(seconds * 1000));

/**
 * One check of one claimed verification: reads the draft from Stripe, compares each metered line
 * (matched by price) with the ledger's billable units for the line's period, and decides. A line
 * that disagrees while time remains before Stripe's finalization is checked again later (Stripe
 * aggregates meter events asynchronously); when time is up it is held (auto_advance off, so Stripe
 * does not finalize it) or, in report mode, announced only.
 */
@Injectable()
export class InvoiceChecker {
  private readonly logger = new Logger(InvoiceChecker.name);

  constructor(
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
    private readonly verifications: InvoiceVerificationsRepository,
    private readonly billableUnits: BillableUnitsService,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: MetricsService,
  ) {}

  async check(row: VerificationRecord): Promise<VerificationState | null> {
    const invoice = await this.stripe.retrieveInvoice(row.stripeInvoiceId);
    const { customerId, items } = await this.verifications.meteredItems(row.stripeSubscriptionId);
    const matched = customerId ? matchLines(invoice, items) : [];
    const finalizesAt = fromUnix(invoice.automatically_finalizes_at) ?? row.finalizesAt;
    if (!customerId || !matched.length) return this.decide(row, null, { state: 'skipped', lines: [], reason: 'no metered line of ours on the invoice', finalizesAt, nextCheckAt: null });

    const units = await this.verifications.transaction((query) =>
      this.billableUnits.ofPeriods(
        query,
        matched.map(({ key, item, line }) => ({ key, customerId, meterId: item.meterId, periodStart: new Date(line.period.start * 1000), periodEnd: new Date(line.period.end * 1000) })),
      ),
    );
    const lines = matched.map((line) => compareLine(line, units.get(line.key) ?? '0', invoice.currency));
    if (lines.every(agrees)) return this.matched(row, invoice, customerId, lines, finalizesAt);

    const reason = describeDifferences(lines);
    const delayMs = Math.min(this.config.invoiceVerification.recheckBaseMs * 2 ** (row.checks - 1), this.config.invoiceVerification.recheckMaxMs);
    if (invoice.status === 'draft' && (await this.timeRemains(invoice, row.checks, delayMs))) {
      return this.decide(row, null, { state: 'pending', lines, reason, finalizesAt, nextCheckAt: new Date(Date.now() + delayMs) });
    }
    if (this.config.invoiceVerification.mode === 'hold' && invoice.status === 'draft') return this.hold(row, invoice, customerId, lines, reason, finalizesAt);
    const why = invoice.status === 'draft' ? 'report mode: not held' : `already ${invoice.status}: too late to hold`;
    return this.decide(row, this.holdNotice(row, customerId, 'mismatched', `${reason} (${why})`), { state: 'mismatched', lines, reason, finalizesAt, nextCheckAt: null });
  }

  /** Time for another check: before the last moment to decide (Stripe's time: a test clock's on one) and under the check limit. */
  private async timeRemains(invoice: Stripe.Invoice, checks: number, delayMs: number): Promise<boolean> {
    const { decideBeforeSeconds, maxChecks } = this.config.invoiceVerification;
    if (checks >= maxChecks || invoice.automatically_finalizes_at === null || !invoice.auto_advance) return false;
    const now = await stripeNow(this.stripe, invoice);
    return now + delayMs / 1000 + decideBeforeSeconds < invoice.automatically_finalizes_at;
  }

  /** Turns auto_advance back on only where this service turned it off (holdRequested), and announces the release. */
  private async matched(row: VerificationRecord, invoice: Stripe.Invoice, customerId: string, lines: VerifiedLine[], finalizesAt: Date | null): Promise<VerificationState | null> {
    let notice = null;
    if (row.holdRequested && invoice.status === 'draft' && !invoice.auto_advance) {
      await this.stripe.setInvoiceAutoAdvance(invoice.id, true, 'resume');
      notice = this.holdNotice(row, customerId, 'released', 'matched the ledger on recheck');
    }
    return this.decide(row, notice, { state: 'matched', lines, reason: null, finalizesAt, nextCheckAt: null });
  }

  /** The hold is recorded before Stripe is asked, so a crash in between leaves a row that may turn auto_advance on again. */
  private async hold(row: VerificationRecord, invoice: Stripe.Invoice, customerId: string, lines: VerifiedLine[], reason: string, finalizesAt: Date | null): Promise<VerificationState | null> {
    if (!(await this.verifications.markHoldRequested(row.id, row.checks))) return null;
    await this.stripe.setInvoiceAutoAdvance(invoice.id, false, 'hold');
    this.logger.warn(`invoice ${invoice.id} held: ${reason}`);
    return this.decide({ ...row, holdRequested: true }, this.holdNotice(row, customerId, 'held', reason), { state: 'held', lines, reason, finalizesAt, nextCheckAt: null });
  }

  private holdNotice(row: VerificationRecord, customerId: string, fact: 'held' | 'mismatched' | 'released', reason: string) {
    const data = { customerId, stripeInvoiceId: row.stripeInvoiceId, periodStart: new Date(row.periodStart).toISOString(), periodEnd: new Date(row.periodEnd).toISOString(), reason };
    return fact === 'released' ? { type: 'invoice.released' as const, key: `${row.stripeInvoiceId}:released`, data } : { type: 'invoice.held' as const, key: `${row.stripeInvoiceId}:${fact}`, data };
  }

  /** The outcome and its notification commit together, or neither does. */
  private async decide(row: VerificationRecord, notice: ReturnType<InvoiceChecker['holdNotice']> | null, outcome: CheckOutcome): Promise<VerificationState | null> {
    const written = await this.verifications.transaction(async (query: SqlQuery) => {
      if (!(await this.verifications.recordOutcome(query, row.id, row.checks, outcome))) return false;
      if (notice) await this.outbox.enqueue(query, [notice]);
      return true;
    });
    if (!written) return null;
    this.metrics.countInvoiceVerification(outcome.state === 'pending' ? 'recheck_scheduled' : outcome.state);
    return outcome.state;
  }
}
