import type { EmulatorState } from '../emulator-state.js';
import { FAULT_KINDS, type FaultInjector, type FaultRule } from '../http/faults.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';

/** What the control API operates on; `StripeEmulator` offers the same operations in-process. */
export interface EmulatorControls {
  state: EmulatorState;
  faults: FaultInjector;
  reset(): void;
  /** Validates the queued v2 stream events now rather than right after their request. */
  flushMeterEventStream(): void;
}

/** A fault rule in the control API's snake_case. */
function faultView({ pathPrefix, ...rule }: FaultRule) {
  return { ...rule, path_prefix: pathPrefix };
}

/**
 * `/_emulator/*`: what Stripe itself does not have. Reset, inspect what Stripe would hold,
 * inject faults, validate queued stream events now, move the emulator's wall clock forward, make
 * meter events look received earlier (to cross the 24-hour adjustment window).
 */
export function controlRoutes(controls: EmulatorControls): Route[] {
  const { state, faults } = controls;
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `/_emulator${path}`, auth: 'none', handler });
  return [
    route('POST', '/reset', () => {
      controls.reset();
      return { body: { reset: true } };
    }),
    route('GET', '/state', () => ({
      body: {
        wall_clock_now: state.wallClock.nowSeconds(),
        counts: {
          customers: state.customers.size,
          products: state.products.size,
          prices: state.prices.size,
          meters: state.meters.size,
          meter_events: state.meterEvents.size,
          pending_stream_events: state.meterEvents.pendingCount,
          meter_event_sessions: state.meterEventSessions.size,
          test_clocks: state.clocks.store.size,
          v2_events: state.v2Events.store.size,
        },
        faults: faults.list().map(faultView),
      },
    })),
    route('GET', '/meter_events', ({ body }) => {
      const params = Params.read(body, ['customer', 'meter', 'include_cancelled'], { allowExpand: false });
      const events = state.meterEvents.events({
        customerId: params.optionalString('customer'),
        meterId: params.optionalString('meter'),
        includeCancelled: params.optionalBoolean('include_cancelled') ?? false,
      });
      const data = events.map((event) => ({
        identifier: event.identifier,
        event_name: event.eventName,
        meter: event.meterId,
        customer: event.customerId,
        value: event.value.toString(),
        timestamp: event.timestamp,
        received_at: event.receivedAt,
        cancelled: event.cancelled,
        payload: event.payload,
      }));
      return { body: { object: 'list', data } };
    }),
    route('POST', '/faults', ({ body }) => {
      const params = Params.read(body, ['kind', 'count', 'share', 'method', 'path_prefix'], { allowExpand: false });
      const share = params.optionalDecimal('share');
      const rule = faults.add({
        kind: params.enumOf('kind', FAULT_KINDS),
        count: params.optionalInteger('count', { min: 1 }),
        share: share === undefined ? undefined : Number(share),
        method: params.optionalEnum('method', ['GET', 'POST', 'DELETE'] as const),
        pathPrefix: params.optionalString('path_prefix'),
      });
      return { body: faultView(rule) };
    }),
    route('GET', '/faults', () => ({ body: { object: 'list', data: faults.list().map(faultView) } })),
    route('DELETE', '/faults', () => {
      faults.clear();
      return { body: { cleared: true } };
    }),
    route('POST', '/meter_event_stream/flush', () => {
      controls.flushMeterEventStream();
      return { body: { pending_stream_events: state.meterEvents.pendingCount } };
    }),
    route('POST', '/meter_events/age', ({ body }) => {
      const params = Params.read(body, ['seconds', 'identifier'], { allowExpand: false });
      const aged = state.meterEvents.age(params.integer('seconds', { min: 1 }), params.optionalString('identifier'));
      return { body: { aged } };
    }),
    route('POST', '/wall_clock/advance', ({ body }) => {
      const seconds = Params.read(body, ['seconds'], { allowExpand: false }).integer('seconds', { min: 1 });
      state.wallClock.advance(seconds);
      return { body: { wall_clock_now: state.wallClock.nowSeconds() } };
    }),
  ];
}
