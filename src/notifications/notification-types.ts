import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every type an endpoint may subscribe to; each has its payload class below (the `data` of the body). */
export const NOTIFICATION_TYPES = [
  'usage.threshold_crossed',
  'invoice.held',
  'invoice.released',
  'invoice.mismatch_found',
  'report.failed',
  'reconciliation.drift_found',
  'customer.payment_failed',
  'customer.status_changed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export class UsageThresholdCrossedData {
  @ApiProperty() alertId!: string;
  @ApiProperty() alertName!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() externalCustomerId!: string;
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty({ description: 'units per billing period, as a decimal string' }) threshold!: string;
  @ApiProperty({ description: "the customer's billable units in the period when the crossing was noticed (≥ threshold)" }) units!: string;
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
}

/** invoice.held and invoice.released share one shape (emitted by invoice verification). */
export class InvoiceHoldData {
  @ApiProperty() customerId!: string;
  @ApiProperty() stripeInvoiceId!: string;
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
  @ApiProperty({ description: 'why the invoice is held, or what released it' }) reason!: string;
}

/** Why a disagreeing invoice was not held: INVOICE_VERIFICATION=report, or Stripe finalized it before the verification decided. */
export const MISMATCH_NOT_HELD_BECAUSE = ['report_mode', 'already_finalized'] as const;

/** invoice.mismatch_found: a draft invoice disagrees with the ledger but was not held (emitted by invoice verification). */
export class InvoiceMismatchFoundData extends InvoiceHoldData {
  @ApiProperty({ description: 'the difference per meter, as the verification shows it' }) declare reason: string;
  @ApiProperty({ enum: MISMATCH_NOT_HELD_BECAUSE, description: 'report_mode: INVOICE_VERIFICATION=report; already_finalized: Stripe finalized the invoice before the verification decided' })
  notHeldBecause!: (typeof MISMATCH_NOT_HELD_BECAUSE)[number];
  @ApiProperty({ description: "the invoice's Stripe status when the difference was found (draft, open, paid, …)" }) invoiceStatus!: string;
}

export class ReportFailedData {
  @ApiProperty() reportId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty({ format: 'date-time' }) windowStart!: string;
  @ApiProperty({ format: 'date-time' }) windowEnd!: string;
  @ApiProperty({ description: 'units the refused meter event carried' }) units!: string;
  @ApiProperty({ description: "Stripe's reason" }) reason!: string;
}

export class DriftCellData {
  @ApiProperty() customerId!: string;
  @ApiProperty({ description: 'meter key' }) meter!: string;
  @ApiProperty({ format: 'date-time', description: 'UTC day' }) day!: string;
  @ApiProperty() localUnits!: string;
  @ApiProperty() stripeUnits!: string;
}

export class ReconciliationDriftFoundData {
  @ApiProperty() runId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty() driftCount!: number;
  @ApiProperty({ type: [DriftCellData], description: 'the first 100 drifts; GET the run for all of them' }) drifts!: DriftCellData[];
}

export class CustomerPaymentFailedData {
  @ApiProperty() customerId!: string;
  @ApiProperty() externalCustomerId!: string;
  @ApiProperty() stripeCustomerId!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) stripeInvoiceId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'minor units' }) amountDue!: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) currency!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) attemptCount!: number | null;
}

export class CustomerStatusChangedData {
  @ApiProperty() customerId!: string;
  @ApiProperty() externalCustomerId!: string;
  @ApiProperty() previousStatus!: string;
  @ApiProperty() status!: string;
}

export interface NotificationPayloads {
  'usage.threshold_crossed': UsageThresholdCrossedData;
  'invoice.held': InvoiceHoldData;
  'invoice.released': InvoiceHoldData;
  'invoice.mismatch_found': InvoiceMismatchFoundData;
  'report.failed': ReportFailedData;
  'reconciliation.drift_found': ReconciliationDriftFoundData;
  'customer.payment_failed': CustomerPaymentFailedData;
  'customer.status_changed': CustomerStatusChangedData;
}

export const PAYLOAD_SCHEMAS = [UsageThresholdCrossedData, InvoiceHoldData, InvoiceMismatchFoundData, ReportFailedData, ReconciliationDriftFoundData, CustomerPaymentFailedData, CustomerStatusChangedData];

/**
 * A fact to announce. `key` names the fact within its type (a Stripe event id, a report id, …):
 * the notification id is derived from type and key, so announcing a fact twice stores it once.
 */
export type NotificationDraft = { [T in NotificationType]: { type: T; key: string; data: NotificationPayloads[T] } }[NotificationType];
