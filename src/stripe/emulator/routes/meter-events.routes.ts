import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter, invalidRequest, missingParameter } from '../http/stripe-api-error.js';
import { acceptSynchronousMeterEvent } from '../meters/meter-event-answers.js';

const MAX_IDENTIFIER_LENGTH = 100;
const ADJUSTMENT_WINDOW_SECONDS = 24 * 3600;

/** Event names and identifiers are at most 100 characters long. */
export function boundedString(params: Params, key: string): string | undefined {
  const value = params.optionalString(key);
  if (value !== undefined && value.length > MAX_IDENTIFIER_LENGTH) throw invalidParameter(`Invalid ${params.name(key)}: must be at most ${MAX_IDENTIFIER_LENGTH} characters`, params.name(key));
  return value;
}

/** v1 meter events (validated synchronously) and their cancellation within 24 hours. */
export function meterEventRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/billing/meter_events',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['event_name', 'payload', 'identifier', 'timestamp']);
        const eventName = boundedString(params, 'event_name');
        if (eventName === undefined) throw missingParameter('event_name');
        const payload = params.stringMap('payload');
        const identifier = boundedString(params, 'identifier') ?? randomUUID();
        const timestamp = params.optionalInteger('timestamp', { min: 0 });
        const accepted = acceptSynchronousMeterEvent(state, 'v1', { identifier, event_name: eventName, payload, timestamp });
        const event: Stripe.Billing.MeterEvent = { object: 'billing.meter_event', created: accepted.receivedAt, event_name: eventName, identifier, livemode: false, payload, timestamp: accepted.timestamp };
        return { body: event };
      },
    },
    {
      method: 'POST',
      path: '/v1/billing/meter_event_adjustments',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['event_name', 'type', 'cancel']);
        const eventName = params.string('event_name');
        params.enumOf('type', ['cancel'] as const);
        const identifier = params.optionalObject('cancel', ['identifier'])?.optionalString('identifier');
        if (identifier === undefined) throw missingParameter('cancel[identifier]');
        const event = state.meterEvents.get(identifier);
        if (!event || event.eventName !== eventName) {
          throw invalidRequest(`No meter event with identifier '${identifier}' was found for event_name '${eventName}'.`, { param: 'cancel[identifier]' });
        }
        if (state.wallClock.nowSeconds() - event.receivedAt > ADJUSTMENT_WINDOW_SECONDS) {
          throw invalidRequest(`The meter event '${identifier}' was received more than 24 hours ago and can no longer be cancelled; correct it with a negative-value meter event.`, {
            param: 'cancel[identifier]',
          });
        }
        event.cancelled = true;
        const adjustment: Stripe.Billing.MeterEventAdjustment = { object: 'billing.meter_event_adjustment', cancel: { identifier }, event_name: eventName, livemode: false, status: 'pending', type: 'cancel' };
        return { body: adjustment };
      },
    },
  ];
}
