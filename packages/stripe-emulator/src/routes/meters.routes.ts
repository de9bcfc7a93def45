import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidRequest } from '../http/stripe-api-error.js';
import { recordCreated, recordUpdated } from '../billing/resource-events.js';
import { stripeId } from '../state/stripe-ids.js';

const FORMULAS = ['sum', 'count', 'last'] as const;
const TIME_WINDOWS = ['hour', 'day'] as const;
const CREATE_FIELDS = ['display_name', 'event_name', 'default_aggregation', 'customer_mapping', 'value_settings', 'event_time_window'] as const;

type Meter = Stripe.Billing.Meter;

/** Billing meters: create, retrieve, list, update (display_name only), deactivate, reactivate. */
export function meterRoutes(state: EmulatorState): Route[] {
  const refuseDuplicateEventName = (eventName: string, self?: string): void => {
    const other = state.activeMeter(eventName);
    if (other && other.id !== self) {
      throw invalidRequest(`An active meter with event_name '${eventName}' already exists (${other.id}). Event names must be unique among active meters.`, { param: 'event_name' });
    }
  };
  /** Stripe tells of a meter change twice: a v2 thin event (`v1.billing.meter.*`) and a v1 event (`billing.meter.*`). */
  const save = (meter: Meter, change: 'created' | 'updated' | 'deactivated' | 'reactivated', before?: Meter): Meter => {
    state.meters.put(meter);
    state.v2Events.emit({ type: `v1.billing.meter.${change}`, related_object: { id: meter.id, type: 'billing.meter', url: `/v1/billing/meters/${meter.id}` } });
    if (before) recordUpdated(state, `billing.meter.${change}`, before, meter, meter.updated);
    else recordCreated(state, 'billing.meter.created', meter);
    return meter;
  };
  const setStatus = (id: string, status: 'active' | 'inactive'): Meter => {
    const meter = state.meters.require(id);
    if (meter.status === status) throw invalidRequest(`This meter is already ${status}.`);
    if (status === 'active') refuseDuplicateEventName(meter.event_name, meter.id);
    const now = state.wallClock.nowSeconds();
    const changed = { ...meter, status, status_transitions: { deactivated_at: status === 'inactive' ? now : null }, updated: now };
    return save(changed, status === 'active' ? 'reactivated' : 'deactivated', meter);
  };

  return [
    {
      method: 'POST',
      path: '/v1/billing/meters',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, CREATE_FIELDS);
        const displayName = params.string('display_name');
        const eventName = params.string('event_name');
        const formula = params.object('default_aggregation', ['formula']).enumOf('formula', FORMULAS);
        const mapping = params.optionalObject('customer_mapping', ['event_payload_key', 'type']);
        const customerMapping: Stripe.Billing.Meter.CustomerMapping = mapping
          ? { event_payload_key: mapping.string('event_payload_key'), type: mapping.enumOf('type', ['by_id'] as const) }
          : { event_payload_key: 'stripe_customer_id', type: 'by_id' };
        const valueKey = params.optionalObject('value_settings', ['event_payload_key'])?.string('event_payload_key') ?? 'value';
        const eventTimeWindow = params.optionalEnum('event_time_window', TIME_WINDOWS) ?? null;
        refuseDuplicateEventName(eventName);
        const now = state.wallClock.nowSeconds();
        const meter: Meter = {
          id: stripeId('mtr', 24),
          object: 'billing.meter',
          created: now,
          customer_mapping: customerMapping,
          default_aggregation: { formula },
          display_name: displayName,
          event_name: eventName,
          event_time_window: eventTimeWindow,
          livemode: false,
          status: 'active',
          status_transitions: { deactivated_at: null },
          updated: now,
          value_settings: { event_payload_key: valueKey },
        };
        return { body: save(meter, 'created') };
      },
    },
    {
      method: 'GET',
      path: '/v1/billing/meters/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: state.meters.require(pathParams.id) };
      },
    },
    {
      method: 'GET',
      path: '/v1/billing/meters',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'status']);
        const status = params.optionalEnum('status', ['active', 'inactive'] as const);
        const matching = state.meters.newestFirst().filter((meter) => status === undefined || meter.status === status);
        return { body: paginate(matching, params, path, 'billing.meter') };
      },
    },
    {
      method: 'POST',
      path: '/v1/billing/meters/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const meter = state.meters.require(pathParams.id);
        // everything but the display name is fixed once a meter exists
        const displayName = Params.read(body, ['display_name']).optionalString('display_name');
        if (displayName === undefined) return { body: meter };
        return { body: save({ ...meter, display_name: displayName, updated: state.wallClock.nowSeconds() }, 'updated', meter) };
      },
    },
    {
      method: 'POST',
      path: '/v1/billing/meters/:id/deactivate',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: setStatus(pathParams.id, 'inactive') };
      },
    },
    {
      method: 'POST',
      path: '/v1/billing/meters/:id/reactivate',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: setStatus(pathParams.id, 'active') };
      },
    },
  ];
}
