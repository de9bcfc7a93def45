import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * pending (checked at next_check_at; a claim pushes next_check_at out, so a crashed checker's
 * verification is taken up again) → matched | held | mismatched (report mode, or too late to
 * hold) | skipped (no metered line of ours); held → released (operator) or matched (a recheck).
 */
export const VERIFICATION_STATES = ['pending', 'matched', 'held', 'mismatched', 'released', 'skipped'] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];

/** One metered line compared with the ledger, matched to the meter by its price. */
export interface VerifiedLine {
  stripePriceId: string;
  meterId: string;
  meter: string;
  periodStart: string;
  periodEnd: string;
  /** Decimal strings. */
  ledgerUnits: string;
  invoiceUnits: string;
  /** invoiceUnits − ledgerUnits. */
  unitDifference: string;
  /** What the line charges beyond (positive) or short of (negative) the ledger, in minor units. */
  amountDifference: number;
  currency: string;
}

/** The verification of one draft invoice: one row per invoice, so racing replicas verify it once. */
@Entity({ tableName: 'invoice_verifications' })
@Index({ name: 'invoice_verifications_due', expression: `create index "invoice_verifications_due" on "invoice_verifications" ("next_check_at") where state = 'pending'` })
@Index({ name: 'invoice_verifications_state', properties: ['state', 'id'] })
@Check({ name: 'invoice_verifications_state_check', expression: "state in ('pending', 'matched', 'held', 'mismatched', 'released', 'skipped')" })
export class InvoiceVerification {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'text', unique: true })
  stripeInvoiceId!: string;

  @Property({ type: 'text' })
  stripeSubscriptionId!: string;

  @Property({ type: 'text', default: 'pending' })
  state: VerificationState = 'pending';

  @Property({ type: 'integer', default: 0 })
  checks = 0;

  /** pending: when it is checked next (or when a claim lapses). */
  @Property({ type: 'timestamptz', nullable: true, defaultRaw: 'now()' })
  nextCheckAt?: Date | null;

  /** Stripe's scheduled finalization (`automatically_finalizes_at`) when last seen. */
  @Property({ type: 'timestamptz', nullable: true })
  finalizesAt?: Date | null;

  @Property({ type: 'timestamptz' })
  periodStart!: Date;

  @Property({ type: 'timestamptz' })
  periodEnd!: Date;

  /** Every compared line at the last check. */
  @Property({ type: 'jsonb', default: '[]' })
  lines: VerifiedLine[] = [];

  /** Set before auto_advance is turned off in Stripe: only then may a matched recheck turn it on again. */
  @Property({ type: 'boolean', default: false })
  holdRequested = false;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  decidedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  releasedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  releaseReason?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
