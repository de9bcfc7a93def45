import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { missingParameter } from '../http/stripe-api-error.js';
import { cancelMeterEvent } from '../meters/meter-event-cancellation.js';
import { stripeId } from '../state/stripe-ids.js';

/**
 * `POST /v2/billing/meter_event_adjustments` (JSON, secret key): the v2 form of a cancel, on the
 * API host (the SDK sends only the stream itself to the meter events host). Same rules as v1.
 */
export function meterEventAdjustmentV2Routes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/billing/meter_event_adjustments',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['event_name', 'type', 'cancel'], { allowExpand: false });
        const eventName = params.string('event_name');
        params.enumOf('type', ['cancel'] as const);
        const identifier = params.optionalObject('cancel', ['identifier'])?.optionalString('identifier');
        if (identifier === undefined) throw missingParameter('cancel.identifier');
        cancelMeterEvent(state, eventName, identifier, 'cancel.identifier');
        return {
          body: {
            id: stripeId('mea'),
            object: 'v2.billing.meter_event_adjustment',
            cancel: { identifier },
            created: new Date(state.wallClock.nowMs()).toISOString(),
            event_name: eventName,
            livemode: false,
            status: 'pending',
            type: 'cancel',
          },
        };
      },
    },
  ];
}
