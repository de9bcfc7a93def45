import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { invoiceVerificationConfig } from '../config/namespaces.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import type { NotificationDraft } from '../notifications/notification-types.js';
import { PlacedUnitsService } from '../reporting/placed-units.service.js';
import type { Stripe } from '../stripe/stripe.constants.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { agrees, compareLine, describeDifferences, matchLines } from './invoice-comparison.js';
import type { VerificationState, VerifiedLine } from './invoice-verification.entity.js';
import { stripeNow } from './stripe-now.js';
import { InvoiceVerificationsRepository, type CheckOutcome, type VerificationRecord } from './invoice-verifications.repository.js';

/** What every invoice notification says about the invoice. */
export const invoiceFacts = (row: VerificationRecord, customerId: string) => ({
  customerId,
  stripeInvoiceId: row.stripeInvoiceId,
  periodStart: new Date(row.periodStart).toISOString(),
  periodEnd: new Date(row.periodEnd).toISOString(),
});

/** What a check found wrong, as its decision records it. */
interface Finding {
  row: VerificationRecord;
  customerId: string;
  lines: VerifiedLine[];
  reason: string;
  finalizesAt: Date | null;
}

const fromUnix = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? null : new Date(seconds * 1000));

/**
 * One check of one claimed verification: reads the draft from Stripe, compares each metered line
 * (matched by price) with the ledger's units placed in the line's period (late usage where the
 * reporter put it: PlacedUnitsService), and decides. A line that disagrees while time remains
 * before Stripe's finalization is checked again later (Stripe aggregates meter events
 * asynchronously); when time is up it is held (auto_advance off, so Stripe does not finalize it,
 * announced as invoice.held) or, in report mode or when Stripe finalized it first, recorded as
 * mismatched and announced as invoice.mismatch_found.
 */
@Injectable()
export class InvoiceChecker {
  private readonly logger = new Logger(InvoiceChecker.name);

  constructor(
    @Inject(invoiceVerificationConfig.KEY) private readonly verification: ConfigType<typeof invoiceVerificationConfig>,
    private readonly stripe: StripeGateway,
    private readonly verifications: InvoiceVerificationsRepository,
    private readonly placedUnits: PlacedUnitsService,
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
      this.placedUnits.ofPeriods(
        query,
        matched.map(({ key, item, line }) => ({ key, customerId, meterId: item.meterId, periodStart: new Date(line.period.start * 1000), periodEnd: new Date(line.period.end * 1000) })),
      ),
    );
    const lines = matched.map((line) => compareLine(line, units.get(line.key) ?? '0', invoice.currency));
    if (lines.every(agrees)) return this.matched(row, invoice, customerId, lines, finalizesAt);

    const reason = describeDifferences(lines);
    const delayMs = Math.min(this.verification.recheckBaseMs * 2 ** (row.checks - 1), this.verification.recheckMaxMs);
    if (invoice.status === 'draft' && (await this.timeRemains(invoice, row.checks, delayMs))) {
      return this.decide(row, null, { state: 'pending', lines, reason, finalizesAt, nextCheckAt: new Date(Date.now() + delayMs) });
    }
    const finding = { row, customerId, lines, reason, finalizesAt };
    if (this.verification.mode === 'hold' && invoice.status === 'draft') return this.hold(finding, invoice);
    return this.notHeld(finding, invoice);
  }

  /** Time for another check: before the last moment to decide (Stripe's time: a test clock's on one) and under the check limit. */
  private async timeRemains(invoice: Stripe.Invoice, checks: number, delayMs: number): Promise<boolean> {
    const { decideBeforeSeconds, maxChecks } = this.verification;
    if (checks >= maxChecks || invoice.automatically_finalizes_at === null || !invoice.auto_advance) return false;
    const now = await stripeNow(this.stripe, invoice);
    return now + delayMs / 1000 + decideBeforeSeconds < invoice.automatically_finalizes_at;
  }

  /** Turns auto_advance back on only where this service turned it off (holdRequested), and announces the release. */
  private async matched(row: VerificationRecord, invoice: Stripe.Invoice, customerId: string, lines: VerifiedLine[], finalizesAt: Date | null): Promise<VerificationState | null> {
    let notice: NotificationDraft | null = null;
    if (row.holdRequested && invoice.status === 'draft' && !invoice.auto_advance) {
      await this.stripe.setInvoiceAutoAdvance(invoice.id, true, 'resume');
      notice = { type: 'invoice.released', key: `${row.stripeInvoiceId}:released`, data: { ...invoiceFacts(row, customerId), reason: 'matched the ledger on recheck' } } as const;
    }
    return this.decide(row, notice, { state: 'matched', lines, reason: null, finalizesAt, nextCheckAt: null });
  }

  /**
   * The hold is recorded before Stripe is asked, so a crash in between leaves a row that may turn
   * auto_advance on again. Stripe's answer tells whether the draft was still a draft: if Stripe
   * finalized it after this check read it, it is too late to hold; auto_advance goes back on so its
   * collection goes on as Stripe scheduled, and the difference is announced as not held.
   */
  private async hold(finding: Finding, invoice: Stripe.Invoice): Promise<VerificationState | null> {
    const { row, customerId, lines, reason, finalizesAt } = finding;
    if (!(await this.verifications.markHoldRequested(row.id, row.checks))) return null;
    const held = await this.stripe.setInvoiceAutoAdvance(invoice.id, false, 'hold');
    if (held.status !== 'draft') {
      // on again under the resume key: a finalized invoice never returns to draft, so no recheck resumes it later
      await this.stripe.setInvoiceAutoAdvance(invoice.id, true, 'resume');
      return this.notHeld(finding, held);
    }
    this.logger.warn(`invoice ${invoice.id} held: ${reason}`);
    const notice = { type: 'invoice.held', key: `${row.stripeInvoiceId}:held`, data: { ...invoiceFacts(row, customerId), reason } } as const;
    return this.decide({ ...row, holdRequested: true }, notice, { state: 'held', lines, reason, finalizesAt, nextCheckAt: null });
  }

  /** A difference recorded and announced (invoice.mismatch_found) without a hold: report mode, or Stripe finalized the invoice first. */
  private notHeld(finding: Finding, invoice: Stripe.Invoice): Promise<VerificationState | null> {
    const { row, customerId, lines, reason, finalizesAt } = finding;
    const notHeldBecause = invoice.status === 'draft' ? 'report_mode' : 'already_finalized';
    const notice = { type: 'invoice.mismatch_found', key: row.stripeInvoiceId, data: { ...invoiceFacts(row, customerId), reason, notHeldBecause, invoiceStatus: invoice.status ?? 'unknown' } } as const;
    return this.decide(row, notice, { state: 'mismatched', lines, reason, finalizesAt, nextCheckAt: null });
  }

  /** The outcome and its notification commit together, or neither does. */
  private async decide(row: VerificationRecord, notice: NotificationDraft | null, outcome: CheckOutcome): Promise<VerificationState | null> {
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
