import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { previousAttributes } from './subscription-documents.js';

/**
 * The v1 events Stripe sends for changes to catalogue and account objects (customers, products,
 * prices, meters, test clocks), so that an endpoint listening to `*` receives what a real account
 * delivers. Events carry the time of the change: the customer's test clock time where it has one.
 */
export function recordCreated(state: EmulatorState, type: Stripe.Event.Type, object: { created: number }): void {
  state.billing.recordEvent(type, object, object.created);
}

/** `<resource>.updated` with `data.previous_attributes`, as Stripe sends it; nothing when nothing changed. */
export function recordUpdated(state: EmulatorState, type: Stripe.Event.Type, before: object, after: object, at: number): void {
  const previous = previousAttributes(before, after);
  if (Object.keys(previous).length > 0) state.billing.recordEvent(type, after, at, previous);
}

/** `<resource>.deleted` shows the object as it was, as Stripe's does. */
export function recordDeleted(state: EmulatorState, type: Stripe.Event.Type, object: object, at: number): void {
  state.billing.recordEvent(type, object, at);
}
