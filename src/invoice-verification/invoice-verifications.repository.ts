import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import type { MeteredItem } from './invoice-comparison.js';
import type { VerificationState, VerifiedLine } from './invoice-verification.entity.js';

/** A verification row as the service reads it. */
export interface VerificationRecord {
  id: string;
  stripeInvoiceId: string;
  stripeSubscriptionId: string;
  state: VerificationState;
  checks: number;
  nextCheckAt: Date | null;
  finalizesAt: Date | null;
  periodStart: Date;
  periodEnd: Date;
  lines: VerifiedLine[];
  holdRequested: boolean;
  reason: string | null;
  decidedAt: Date | null;
  releasedAt: Date | null;
  releaseReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id::text AS "id", stripe_invoice_id AS "stripeInvoiceId", stripe_subscription_id AS "stripeSubscriptionId", state, checks,
  next_check_at AS "nextCheckAt", finalizes_at AS "finalizesAt", period_start AS "periodStart", period_end AS "periodEnd", lines,
  hold_requested AS "holdRequested", reason, decided_at AS "decidedAt", released_at AS "releasedAt", release_reason AS "releaseReason",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface ScheduledInvoice {
  stripeInvoiceId: string;
  stripeSubscriptionId: string;
  periodStart: Date;
  periodEnd: Date;
  finalizesAt: Date | null;
}

/** The outcome of one check, written only if the row is still as the check claimed it. */
export interface CheckOutcome {
  state: VerificationState;
  lines: VerifiedLine[];
  reason: string | null;
  finalizesAt: Date | null;
  /** pending: when to check again. */
  nextCheckAt: Date | null;
}

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const INVOICE_VERIFICATION_READS = Symbol('INVOICE_VERIFICATION_READS');

/** The invoice_verifications table: one row per invoice, claimed for checks with a lease. */
@Injectable()
export class InvoiceVerificationsRepository {
  constructor(private readonly sql: NativeSql) {}

  transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** Stores the verification once per invoice (a redelivered invoice.created, another replica: no second row). */
  async schedule(invoice: ScheduledInvoice): Promise<void> {
    await this.sql.query(
      `INSERT INTO invoice_verifications (stripe_invoice_id, stripe_subscription_id, period_start, period_end, finalizes_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (stripe_invoice_id) DO NOTHING`,
      [invoice.stripeInvoiceId, invoice.stripeSubscriptionId, invoice.periodStart, invoice.periodEnd, invoice.finalizesAt],
    );
  }

  /**
   * Claims pending verifications that are due: each claim counts a check and pushes next_check_at
   * out by the lease, so a checker that dies mid-check leaves it to be claimed again later.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<VerificationRecord[]> {
    return this.sql.query<VerificationRecord>(
      `UPDATE invoice_verifications v SET checks = v.checks + 1, next_check_at = now() + make_interval(secs => $2), updated_at = now()
       WHERE v.id IN (SELECT id FROM invoice_verifications WHERE state = 'pending' AND next_check_at <= now()
                      ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [limit, leaseSeconds],
    );
  }

  /** Before auto_advance goes off in Stripe; false if the claim was lost (released, reclaimed). */
  async markHoldRequested(id: string, checks: number): Promise<boolean> {
    const rows = await this.sql.query(`UPDATE invoice_verifications SET hold_requested = true, updated_at = now() WHERE id = $1 AND checks = $2 AND state = 'pending' RETURNING id`, [id, checks]);
    return rows.length > 0;
  }

  /** Writes a check's outcome in the caller's transaction; false if the row moved on meanwhile. */
  async recordOutcome(query: SqlQuery, id: string, checks: number, outcome: CheckOutcome): Promise<boolean> {
    const rows = await query(
      `UPDATE invoice_verifications SET state = $3, lines = $4::jsonb, reason = $5, finalizes_at = $6, next_check_at = $7,
         decided_at = CASE WHEN $3 = 'pending' THEN decided_at ELSE now() END, updated_at = now()
       WHERE id = $1 AND checks = $2 AND state = 'pending' RETURNING id`,
      [id, checks, outcome.state, JSON.stringify(outcome.lines), outcome.reason, outcome.finalizesAt, outcome.nextCheckAt],
    );
    return rows.length > 0;
  }

  /** The held row, locked until the caller's transaction ends (a racing release or recheck waits); null if it is not held. */
  async lockHeld(query: SqlQuery, stripeInvoiceId: string): Promise<VerificationRecord | null> {
    const [row] = await query<VerificationRecord>(`SELECT ${COLUMNS} FROM invoice_verifications WHERE stripe_invoice_id = $1 AND state = 'held' FOR UPDATE`, [stripeInvoiceId]);
    return row ?? null;
  }

  /** held → released, in the caller's transaction; null if it was not held. */
  async release(query: SqlQuery, stripeInvoiceId: string, reason: string | null): Promise<VerificationRecord | null> {
    const [row] = await query<VerificationRecord>(
      `UPDATE invoice_verifications SET state = 'released', released_at = now(), release_reason = $2, updated_at = now()
       WHERE stripe_invoice_id = $1 AND state = 'held' RETURNING ${COLUMNS}`,
      [stripeInvoiceId, reason],
    );
    return row ?? null;
  }

  /** held or mismatched → pending and claimed for a check by the caller now; null if it was in neither state. */
  async claimForRecheck(stripeInvoiceId: string, leaseSeconds: number): Promise<VerificationRecord | null> {
    const [row] = await this.sql.query<VerificationRecord>(
      `UPDATE invoice_verifications SET state = 'pending', checks = checks + 1, next_check_at = now() + make_interval(secs => $2), decided_at = NULL, updated_at = now()
       WHERE stripe_invoice_id = $1 AND state IN ('held', 'mismatched') RETURNING ${COLUMNS}`,
      [stripeInvoiceId, leaseSeconds],
    );
    return row ?? null;
  }

  async get(stripeInvoiceId: string): Promise<VerificationRecord | null> {
    const [row] = await this.sql.query<VerificationRecord>(`SELECT ${COLUMNS} FROM invoice_verifications WHERE stripe_invoice_id = $1`, [stripeInvoiceId]);
    return row ?? null;
  }

  async countHeld(): Promise<number> {
    const [row] = await this.sql.query<{ held: number }>(`SELECT count(*)::int AS held FROM invoice_verifications WHERE state = 'held'`);
    return row!.held;
  }

  /** Newest first, after the row with id `after` (the previous page's last). */
  list(filter: { state?: VerificationState; after?: string; limit: number }): Promise<VerificationRecord[]> {
    return this.sql.query<VerificationRecord>(
      `SELECT ${COLUMNS} FROM invoice_verifications
       WHERE ($1::text IS NULL OR state = $1) AND ($2::bigint IS NULL OR id < $2::bigint)
       ORDER BY id DESC LIMIT $3`,
      [filter.state ?? null, filter.after ?? null, filter.limit],
    );
  }

  /** Our customer and metered items of a Stripe subscription (none: the invoice is not ours to verify). */
  async meteredItems(stripeSubscriptionId: string): Promise<{ customerId: string | null; items: MeteredItem[] }> {
    const rows = await this.sql.query<{ customerId: string; stripePriceId: string; meterId: string; meter: string }>(
      `SELECT s.customer_id AS "customerId", si.stripe_price_id AS "stripePriceId", si.meter_id AS "meterId", m.key AS meter
       FROM subscriptions s JOIN subscription_items si ON si.subscription_id = s.id JOIN meters m ON m.id = si.meter_id
       WHERE s.stripe_subscription_id = $1`,
      [stripeSubscriptionId],
    );
    return { customerId: rows[0]?.customerId ?? null, items: rows.map(({ stripePriceId, meterId, meter }) => ({ stripePriceId, meterId, meter })) };
  }
}
