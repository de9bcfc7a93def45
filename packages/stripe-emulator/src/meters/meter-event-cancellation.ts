import type { EmulatorState } from '../emulator-state.js';
import { invalidRequest } from '../http/stripe-api-error.js';
import { processMeterEventStream } from './meter-event-stream-processing.js';

/** Stripe accepts a cancel only within 24 hours of receiving the event. */
export const ADJUSTMENT_WINDOW_SECONDS = 24 * 3600;

/**
 * A `cancel` meter event adjustment (v1 and v2 share the rules): by identifier only, for an event
 * of that event name; within 24 hours of Stripe receiving the event, measured on the emulator's
 * wall clock (a test clock is billing's simulated time, not the time Stripe received the event, so
 * it does not age events); a repeated cancel of a cancelled event succeeds again, whenever it comes.
 * A cancelled event leaves summaries and invoices. `param` names the identifier in errors.
 */
export function cancelMeterEvent(state: EmulatorState, eventName: string, identifier: string, param: string): void {
  // stream events accepted moments ago are validated first, as Stripe would have by now
  processMeterEventStream(state);
  const event = state.meterEvents.get(identifier);
  if (!event || event.eventName !== eventName) {
    throw invalidRequest(`No meter event with identifier '${identifier}' was found for event_name '${eventName}'.`, { param });
  }
  if (event.cancelled) return;
  if (state.wallClock.nowSeconds() - event.receivedAt > ADJUSTMENT_WINDOW_SECONDS) {
    throw invalidRequest(`The meter event '${identifier}' was received more than 24 hours ago and can no longer be cancelled; correct it with a negative-value meter event.`, { param });
  }
  event.cancelled = true;
}
