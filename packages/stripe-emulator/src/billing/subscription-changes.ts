import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import type { WireSubscription } from './billing-wire-types.js';
import { previousAttributes } from './subscription-documents.js';

/**
 * Applies `changes` to a subscription and records the event Stripe sends for it
 * (`customer.subscription.updated` with `previous_attributes` unless told otherwise).
 */
export function changeSubscription(
  state: EmulatorState,
  subscriptionId: string,
  changes: Partial<WireSubscription>,
  at: number,
  eventType: Stripe.Event.Type = 'customer.subscription.updated',
): WireSubscription {
  const before = state.billing.subscriptions.require(subscriptionId);
  const after = state.billing.subscriptions.put({ ...before, ...changes });
  const previous = previousAttributes(before, after);
  // latest_invoice moving alone is not a subscription change Stripe reports
  const reported = Object.keys(previous).some((key) => key !== 'latest_invoice');
  if (eventType !== 'customer.subscription.updated') state.billing.recordEvent(eventType, after, at);
  else if (reported) state.billing.recordEvent(eventType, after, at, previous);
  return after;
}
