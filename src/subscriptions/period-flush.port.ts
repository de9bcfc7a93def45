/**
 * What subscriptions needs from reporting, as a port reporting implements (ReportingModule provides
 * it with ReportingService): every unit recorded for a subscription's period reaches Stripe now,
 * before that period is invoiced (a cancellation with `invoice_now`). Subscriptions never imports
 * reporting's code; reporting reads subscriptions' tables (docs/architecture.md).
 */
export abstract class PeriodFlush {
  abstract flushPeriod(subscriptionId: string, periodEnd: Date): Promise<unknown>;
}
