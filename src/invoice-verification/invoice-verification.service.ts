import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { invoiceNotHeld, recheckNotAllowed, verificationNotFound } from './invoice-verification.errors.js';
import type { VerificationState } from './invoice-verification.entity.js';
import { InvoiceChecker } from './invoice-checker.service.js';
import { CHECK_LEASE_SECONDS, InvoiceVerificationRunner } from './invoice-verification.runner.js';
import { InvoiceVerificationsRepository, type VerificationRecord } from './invoice-verifications.repository.js';
import { stripeNow } from './stripe-now.js';

/** What invoice.created tells the verification about the draft. */
export interface DraftInvoice {
  id: string;
  subscriptionId: string;
  periodStart: Date;
  periodEnd: Date;
  finalizesAt: Date | null;
}

/** Invoice verification as the rest of the service sees it: schedule, read, release, recheck. */
@Injectable()
export class InvoiceVerificationService {
  constructor(
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
    private readonly verifications: InvoiceVerificationsRepository,
    private readonly runner: InvoiceVerificationRunner,
    private readonly checker: InvoiceChecker,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: MetricsService,
  ) {}

  /** After the period's flush: one verification per invoice, checked at once (INVOICE_VERIFICATION=off: none). */
  async schedule(draft: DraftInvoice): Promise<boolean> {
    if (this.config.invoiceVerification.mode === 'off') return false;
    await this.verifications.schedule({ stripeInvoiceId: draft.id, stripeSubscriptionId: draft.subscriptionId, periodStart: draft.periodStart, periodEnd: draft.periodEnd, finalizesAt: draft.finalizesAt });
    this.runner.runSoon();
    return true;
  }

  async get(invoiceId: string): Promise<VerificationRecord> {
    const row = await this.verifications.get(invoiceId);
    if (!row) throw verificationNotFound(invoiceId);
    return row;
  }

  list(filter: { state?: VerificationState; cursor?: string; limit: number }): Promise<VerificationRecord[]> {
    return this.verifications.list(filter);
  }

  /**
   * Lets a held invoice finalize: auto_advance on again, and finalized now when its scheduled
   * finalization has already passed (Stripe would otherwise wait for its next pass). Stripe first,
   * then the row and its invoice.released notification in one transaction.
   */
  async release(invoiceId: string, reason: string | undefined): Promise<VerificationRecord> {
    const row = await this.get(invoiceId);
    if (row.state !== 'held') throw invoiceNotHeld(invoiceId, row.state);
    const invoice = await this.stripe.setInvoiceAutoAdvance(invoiceId, true, 'release');
    const due = row.finalizesAt ? new Date(row.finalizesAt).getTime() / 1000 : 0;
    if (invoice.status === 'draft' && due <= (await stripeNow(this.stripe, invoice))) {
      await this.stripe.finalizeInvoice(invoiceId);
    }
    const released = await this.verifications.transaction(async (query) => {
      const updated = await this.verifications.release(query, invoiceId, reason ?? null);
      if (!updated) return null;
      const customerId = (await this.verifications.meteredItems(updated.stripeSubscriptionId)).customerId ?? '';
      const data = { customerId, stripeInvoiceId: invoiceId, periodStart: new Date(updated.periodStart).toISOString(), periodEnd: new Date(updated.periodEnd).toISOString(), reason: reason ?? 'released by an operator' };
      await this.outbox.enqueue(query, [{ type: 'invoice.released', key: `${invoiceId}:released`, data }]);
      return updated;
    });
    if (!released) throw invoiceNotHeld(invoiceId, (await this.get(invoiceId)).state);
    this.metrics.countInvoiceVerification('released');
    return released;
  }

  /** Checks a held (or mismatched) invoice again, now and in this request; a match releases it. */
  async recheck(invoiceId: string): Promise<VerificationRecord> {
    const row = await this.get(invoiceId);
    const claimed = await this.verifications.claimForRecheck(invoiceId, CHECK_LEASE_SECONDS);
    if (!claimed) throw recheckNotAllowed(invoiceId, row.state);
    await this.checker.check(claimed);
    return this.get(invoiceId);
  }
}
