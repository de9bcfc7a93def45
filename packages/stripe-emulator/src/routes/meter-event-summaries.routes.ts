import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter } from '../http/stripe-api-error.js';
import { summarize, WINDOW_SECONDS } from '../meters/meter-aggregation.js';

const ALIGNMENT = { minute: 60, ...WINDOW_SECONDS } as const;

/** Stripe requires minute boundaries, and hour/day boundaries (UTC) when grouping by hour/day. */
function alignedTime(params: Params, key: string, unit: keyof typeof ALIGNMENT): number {
  const value = params.integer(key, { min: 0 });
  if (value % ALIGNMENT[unit] !== 0) throw invalidParameter(`Invalid ${key}: it must be aligned to ${unit} boundaries (a multiple of ${ALIGNMENT[unit]} seconds).`, key);
  return value;
}

/** A summary id that stays the same across calls, so that pagination cursors keep working. */
function summaryId(meterId: string, customerId: string, start: number, end: number): string {
  return `mtrusg_${createHash('sha256').update(`${meterId}/${customerId}/${start}/${end}`).digest('hex').slice(0, 24)}`;
}

/** `GET /v1/billing/meters/:id/event_summaries`: a customer's aggregated usage, the meter's formula applied. */
export function meterEventSummaryRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/billing/meters/:id/event_summaries',
      auth: 'secret_key',
      handler: ({ body, path, pathParams }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'customer', 'start_time', 'end_time', 'value_grouping_window']);
        const meter = state.meters.require(pathParams.id);
        const customerId = params.string('customer');
        state.customers.require(customerId, 'customer');
        const grouping = params.optionalEnum('value_grouping_window', ['hour', 'day'] as const);
        const start = alignedTime(params, 'start_time', grouping ?? 'minute');
        const end = alignedTime(params, 'end_time', grouping ?? 'minute');
        if (end <= start) throw invalidParameter('Invalid end_time: it must be after start_time.', 'end_time');
        const windows = summarize(state.meterEvents.events({ meterId: meter.id, customerId }), meter, start, end, grouping);
        const summaries = windows.reverse().map(
          (window): Stripe.Billing.MeterEventSummary => ({
            id: summaryId(meter.id, customerId, window.start, window.end),
            object: 'billing.meter_event_summary',
            aggregated_value: Number(window.value),
            end_time: window.end,
            livemode: false,
            meter: meter.id,
            start_time: window.start,
          }),
        );
        return { body: paginate(summaries, params, path, 'billing.meter_event_summary') };
      },
    },
  ];
}
