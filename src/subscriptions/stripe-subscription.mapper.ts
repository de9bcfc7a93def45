import type { Stripe } from '../stripe/stripe.constants.js';
import type { SubscriptionItemState, SubscriptionState } from './subscriptions.repository.js';

const fromUnix = (seconds: number | null | undefined): Date | null => (seconds == null ? null : new Date(seconds * 1000));

export function toSubscriptionState(subscription: Stripe.Subscription): SubscriptionState {
  return {
    stripeSubscriptionId: subscription.id,
    status: subscription.status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: fromUnix(subscription.cancel_at),
    canceledAt: fromUnix(subscription.canceled_at),
    endedAt: fromUnix(subscription.ended_at),
    billingCycleAnchor: fromUnix(subscription.billing_cycle_anchor),
  };
}

/**
 * Each subscription item mapped to its meter by the item's price, never by position: Stripe does
 * not promise an order, and items of prices that are not ours are left out.
 */
export function toItemStates(subscription: Stripe.Subscription, meterIdByPriceId: Map<string, string>): SubscriptionItemState[] {
  return subscription.items.data.flatMap((item) => {
    const meterId = meterIdByPriceId.get(item.price.id);
    if (!meterId) return [];
    return [
      {
        meterId,
        stripeItemId: item.id,
        stripePriceId: item.price.id,
        currentPeriodStart: new Date(item.current_period_start * 1000),
        currentPeriodEnd: new Date(item.current_period_end * 1000),
      },
    ];
  });
}
