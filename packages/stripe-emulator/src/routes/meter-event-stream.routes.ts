import { randomUUID } from 'node:crypto';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import { runAutomatically } from '../http/request-origin.js';
import type { Route } from '../http/router.js';
import { invalidParameter, missingParameter } from '../http/stripe-api-error.js';
import { processMeterEventStream } from '../meters/meter-event-stream-processing.js';
import { stripeId } from '../state/stripe-ids.js';
import type { PendingStreamEvent } from '../state/meter-event-ledger.js';
import { boundedString } from './meter-events.routes.js';

const SESSION_SECONDS = 15 * 60;
const MAX_EVENTS_PER_REQUEST = 100;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function streamEvent(raw: unknown, index: number, receivedAt: number): PendingStreamEvent {
  const params = Params.read(raw, ['event_name', 'identifier', 'payload', 'timestamp'], { prefix: `events[${index}]`, allowExpand: false });
  const eventName = boundedString(params, 'event_name');
  if (eventName === undefined) throw missingParameter(params.name('event_name'));
  const payload = params.stringMap('payload');
  const identifier = boundedString(params, 'identifier') ?? randomUUID();
  return { identifier, event_name: eventName, payload, timestamp: optionalIsoSeconds(params, 'timestamp'), receivedAt };
}

/** v2 sends times as ISO 8601 strings; the emulator keeps unix seconds. */
export function optionalIsoSeconds(params: Params, key: string): number | undefined {
  const timestamp = params.optionalString(key);
  if (timestamp === undefined) return undefined;
  if (!ISO_8601.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw invalidParameter(`Invalid ${params.name(key)}: must be an ISO 8601 date-time such as 2024-06-01T12:00:00.000Z`, params.name(key));
  }
  return Math.floor(Date.parse(timestamp) / 1000);
}

/**
 * The high-throughput v2 API: a session (15-minute token) from a secret key, then batches of up
 * to 100 events per request, authenticated with that token, accepted at once and validated
 * afterwards (failures become `v1.billing.meter.*` v2 events).
 */
export function meterEventStreamRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/billing/meter_event_session',
      auth: 'secret_key',
      handler: ({ body }) => {
        Params.read(body, [], { allowExpand: false });
        const created = state.wallClock.nowMs();
        const session = state.meterEventSessions.put({
          id: stripeId('mes'),
          object: 'v2.billing.meter_event_session',
          authentication_token: stripeId('mes_auth', 40),
          created: new Date(created).toISOString(),
          expires_at: new Date(created + SESSION_SECONDS * 1000).toISOString(),
          livemode: false,
        });
        return { body: session };
      },
    },
    {
      method: 'POST',
      path: '/v2/billing/meter_event_stream',
      auth: 'meter_event_session',
      handler: ({ body }) => {
        const raw = Params.read(body, ['events'], { allowExpand: false }).optionalList('events');
        if (raw === undefined) throw missingParameter('events');
        if (raw.length === 0 || raw.length > MAX_EVENTS_PER_REQUEST) {
          throw invalidParameter(`Invalid events: a request carries between 1 and ${MAX_EVENTS_PER_REQUEST} events (got ${raw.length}).`, 'events');
        }
        const receivedAt = state.wallClock.nowSeconds();
        state.meterEvents.enqueue(raw.map((event, index) => streamEvent(event, index, receivedAt)));
        // Stripe validates after answering; so does the emulator, right after this response
        setImmediate(() => runAutomatically(() => processMeterEventStream(state)));
        return { body: {} };
      },
    },
  ];
}
