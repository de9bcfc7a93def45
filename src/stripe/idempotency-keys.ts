/**
 * Every idempotency key the service sends to Stripe, in one place. A key is derived from what the
 * call does (never from the clock), so a retry after a crash or a timeout, within Stripe's 24 hours,
 * returns the object the first attempt created (docs/stripe.md, Idempotency).
 */
export const idempotencyKeys = {
  customer: (customerId: string) => `meterbridge:customer:${customerId}`,
  meterStep: (meterKey: string, step: 'billing-meter' | 'product' | 'price') => `meterbridge:meter:${meterKey}:${step}`,
  subscriptionCreate: (subscriptionId: string) => `meterbridge:subscription:${subscriptionId}:create`,
  subscriptionAddMeters: (subscriptionId: string, meterKeys: string[]) => `meterbridge:subscription:${subscriptionId}:add-meters:${[...meterKeys].sort().join(',')}`,
  subscriptionCancel: (subscriptionId: string, at: 'now' | 'period_end') => `meterbridge:subscription:${subscriptionId}:cancel-${at}`,
  invoiceStep: (invoiceId: string, step: 'hold' | 'resume' | 'release' | 'finalize') => `meterbridge:invoice:${invoiceId}:${step}`,
} as const;
