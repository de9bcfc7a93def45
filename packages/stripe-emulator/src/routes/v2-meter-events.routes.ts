import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { missingParameter } from '../http/stripe-api-error.js';
import { acceptSynchronousMeterEvent } from '../meters/meter-event-answers.js';
import { optionalIsoSeconds } from './meter-event-stream.routes.js';
import { boundedString } from './meter-events.routes.js';

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * `POST /v2/billing/meter_events`: one event per request with a secret key, JSON body and ISO
 * times, validated synchronously (v2's error codes and body) and counted like a v1 event.
 */
export function v2MeterEventRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/billing/meter_events',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['event_name', 'payload', 'identifier', 'timestamp'], { allowExpand: false });
        const eventName = boundedString(params, 'event_name');
        if (eventName === undefined) throw missingParameter('event_name');
        const payload = params.stringMap('payload');
        const identifier = boundedString(params, 'identifier') ?? randomUUID();
        const timestamp = optionalIsoSeconds(params, 'timestamp');
        const accepted = acceptSynchronousMeterEvent(state, 'v2', { identifier, event_name: eventName, payload, timestamp });
        const event: Stripe.V2.Billing.MeterEvent = {
          object: 'v2.billing.meter_event',
          created: iso(accepted.receivedAt),
          event_name: eventName,
          identifier,
          livemode: false,
          payload,
          timestamp: iso(accepted.timestamp),
        };
        return { body: event };
      },
    },
  ];
}
