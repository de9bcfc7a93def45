import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter, missingParameter } from '../http/stripe-api-error.js';
import { cancelMeterEvent } from '../meters/meter-event-cancellation.js';
import { acceptSynchronousMeterEvent } from '../meters/meter-event-answers.js';

const MAX_IDENTIFIER_LENGTH = 100;

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
        cancelMeterEvent(state, eventName, identifier, 'cancel[identifier]');
        const adjustment: Stripe.Billing.MeterEventAdjustment = { object: 'billing.meter_event_adjustment', cancel: { identifier }, event_name: eventName, livemode: false, status: 'pending', type: 'cancel' };
        return { body: adjustment };
      },
    },
  ];
}
