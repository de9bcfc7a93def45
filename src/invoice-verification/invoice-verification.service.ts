import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { invalidCursor, type PageRead, type PageRequest } from '../common/http/pagination.js';
import { invoiceVerificationConfig } from '../config/namespaces.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { invoiceNotHeld, recheckNotAllowed, verificationNotFound } from './invoice-verification.errors.js';
import type { VerificationState } from './invoice-verification.entity.js';
import { InvoiceChecker, invoiceFacts } from './invoice-checker.service.js';
import { InvoiceVerificationRunner } from './invoice-verification.runner.js';
import { INVOICE_VERIFICATION_READS, InvoiceVerificationsRepository, type VerificationRecord } from './invoice-verifications.repository.js';
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
    @Inject(invoiceVerificationConfig.KEY) private readonly verification: ConfigType<typeof invoiceVerificationConfig>,
    private readonly stripe: StripeGateway,
    private readonly verifications: InvoiceVerificationsRepository,
    @Inject(INVOICE_VERIFICATION_READS) private readonly verificationReads: InvoiceVerificationsRepository,
    private readonly reads: RequestReadsDatabase,
    private readonly runner: InvoiceVerificationRunner,
    private readonly checker: InvoiceChecker,
    private readonly outbox: NotificationOutbox,
    private readonly metrics: MetricsService,
  ) {
    metrics.watchHeldInvoices(() => this.countHeld());
  }

  /** After the period's flush: one verification per invoice, checked at once (INVOICE_VERIFICATION=off: none). */
  async schedule(draft: DraftInvoice): Promise<boolean> {
    if (this.verification.mode === 'off') return false;
    await this.verifications.schedule({ stripeInvoiceId: draft.id, stripeSubscriptionId: draft.subscriptionId, periodStart: draft.periodStart, periodEnd: draft.periodEnd, finalizesAt: draft.finalizesAt });
    this.runner.runSoon();
    return true;
  }

  async get(invoiceId: string): Promise<VerificationRecord> {
    const row = await this.verifications.get(invoiceId);
    if (!row) throw verificationNotFound(invoiceId);
    return row;
  }

  /**
   * Newest first, one row past the page so the caller knows whether another follows (the cursor's
   * key is a row id), on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). One invoice's verification (`get`) reads the primary:
   * an operator reads it right after releasing or rechecking it.
   */
  listPage(request: PageRequest, state?: VerificationState): Promise<PageRead<VerificationRecord>> {
    if (request.after !== undefined && !/^\d{1,18}$/.test(request.after)) throw invalidCursor();
    return this.reads.readPage(() => this.verificationReads.list({ state, after: request.after, limit: request.limit + 1 }));
  }

  /** The newest `count` verifications (in `state` when given): one screenful, for the console, on the primary (it shows them right after its own release or recheck). */
  newest(count: number, state?: VerificationState): Promise<VerificationRecord[]> {
    return this.verifications.list({ state, limit: count });
  }

  /** How many invoices are held now. */
  countHeld(): Promise<number> {
    return this.verifications.countHeld();
  }

  /**
   * Lets a held invoice finalize: auto_advance on again, and finalized now when its scheduled
   * finalization has already passed (Stripe would otherwise wait for its next pass). The row is
   * locked while Stripe is asked, then released with its invoice.released notification in the same
   * transaction: a racing release or recheck (any replica) waits for it and then finds the invoice
   * released, so Stripe is never told to finalize an invoice whose verification is not released.
   */
  async release(invoiceId: string, reason: string | undefined): Promise<VerificationRecord> {
    await this.get(invoiceId);
    const released = await this.verifications.transaction(async (query) => {
      const held = await this.verifications.lockHeld(query, invoiceId);
      if (!held) return null;
      await this.letFinalize(held);
      const updated = (await this.verifications.release(query, invoiceId, reason ?? null))!;
      const customerId = (await this.verifications.meteredItems(updated.stripeSubscriptionId)).customerId ?? '';
      await this.outbox.enqueue(query, [{ type: 'invoice.released', key: `${invoiceId}:released`, data: { ...invoiceFacts(updated, customerId), reason: reason ?? 'released by an operator' } }]);
      return updated;
    });
    if (!released) throw invoiceNotHeld(invoiceId, (await this.get(invoiceId)).state);
    this.metrics.countInvoiceVerification('released');
    return released;
  }

  private async letFinalize(held: VerificationRecord): Promise<void> {
    const invoice = await this.stripe.setInvoiceAutoAdvance(held.stripeInvoiceId, true, 'release');
    const due = held.finalizesAt ? new Date(held.finalizesAt).getTime() / 1000 : 0;
    if (invoice.status === 'draft' && due <= (await stripeNow(this.stripe, invoice))) await this.stripe.finalizeInvoice(held.stripeInvoiceId);
  }

  /** Checks a held (or mismatched) invoice again, now and in this request; a match releases it. */
  async recheck(invoiceId: string): Promise<VerificationRecord> {
    await this.get(invoiceId);
    const claimed = await this.verifications.claimForRecheck(invoiceId, this.verification.leaseSeconds);
    // the state that refused the claim (a racing release may have just changed it)
    if (!claimed) throw recheckNotAllowed(invoiceId, (await this.get(invoiceId)).state);
    await this.checker.check(claimed);
    return this.get(invoiceId);
  }
}
