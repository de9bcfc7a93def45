import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter } from '../http/stripe-api-error.js';
import { stripeId } from '../state/stripe-ids.js';

/** A day: longer than any grace period a test needs a line to lag through. */
const MAX_AGGREGATION_DELAY_SECONDS = 7 * 86_400;

/**
 * `/_emulator/*` for what Stripe's meters do on their own: aggregate late (an invoice line lags
 * behind the events it was sent), and hold usage the service never sent (an extra event injected
 * by someone else, to prove an invoice that disagrees with the ledger is caught).
 */
export function meterEventControlRoutes(state: EmulatorState): Route[] {
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `/_emulator${path}`, auth: 'none', handler });
  const settings = () => ({ delay_seconds: state.meterAggregationDelaySeconds });
  return [
    route('GET', '/meter_aggregation', () => ({ body: settings() })),
    route('POST', '/meter_aggregation', ({ body }) => {
      state.meterAggregationDelaySeconds = Params.read(body, ['delay_seconds'], { allowExpand: false }).integer('delay_seconds', { min: 0, max: MAX_AGGREGATION_DELAY_SECONDS });
      return { body: settings() };
    }),
    route('POST', '/meter_events/inject', ({ body }) => {
      const params = Params.read(body, ['event_name', 'customer', 'value', 'timestamp', 'identifier'], { allowExpand: false });
      const eventName = params.string('event_name');
      const meter = state.activeMeter(eventName);
      if (!meter) throw invalidParameter(`No active meter has the event name ${eventName}.`, 'event_name');
      const customer = state.customers.require(params.string('customer'), 'customer');
      const value = params.integer('value', { min: 0 });
      const identifier = params.optionalString('identifier') ?? stripeId('injected');
      if (state.meterEvents.get(identifier)) throw invalidParameter(`An event already exists with identifier ${identifier}.`, 'identifier');
      const timestamp = params.optionalInteger('timestamp', { min: 0 }) ?? state.now(customer.id);
      const payload = { [meter.customer_mapping.event_payload_key]: customer.id, [meter.value_settings.event_payload_key]: String(value) };
      state.meterEvents.record({ identifier, eventName, meterId: meter.id, customerId: customer.id, value: BigInt(value), timestamp, receivedAt: state.wallClock.nowSeconds(), payload, cancelled: false });
      return { body: { identifier, meter: meter.id, customer: customer.id, value: String(value), timestamp } };
    }),
  ];
}
