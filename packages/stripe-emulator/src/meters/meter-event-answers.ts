import type { EmulatorState } from '../emulator-state.js';
import { runAutomatically } from '../http/request-origin.js';
import { StripeApiError } from '../http/stripe-api-error.js';
import { checkMeterEvent, type MeterEventCandidate, type MeterEventProblem } from './meter-event-rules.js';
import { recordCounted, reportMeterEventFailures } from './meter-event-stream-processing.js';

/** The synchronous meter event endpoints: `POST /v1/billing/meter_events` and `POST /v2/billing/meter_events`. */
export type SynchronousApi = 'v1' | 'v2';

const DAY = 86_400;

function refusal(api: SynchronousApi, v2Code: string, message: string, param: string): StripeApiError {
  // v1 names the parameter and sends no code (these codes are not in v1's error code list); v2 sends its documented code
  return api === 'v1' ? new StripeApiError(400, 'invalid_request_error', message, { param }) : new StripeApiError(400, 'invalid_request_error', message, { code: v2Code });
}

function timestampRefusal(state: EmulatorState, problem: MeterEventProblem, candidate: MeterEventCandidate, customerKey: string): StripeApiError {
  const now = state.now(candidate.payload[customerKey]);
  const message =
    problem.code === 'timestamp_too_far_in_past'
      ? `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${now - 35 * DAY}.`
      : `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${now + 5 * 60}.`;
  return new StripeApiError(400, 'invalid_request_error', message, { param: 'timestamp' });
}

/**
 * What a synchronous endpoint answers for a meter event Stripe would not count, or `undefined`
 * when Stripe accepts the request and reports the problem later (an unknown customer on both;
 * a timestamp out of range on v2, whose documented synchronous codes have none for it):
 * - v1 answers 400 `invalid_request_error` with the parameter at fault and no code;
 * - v2 answers 400 with the codes of its API reference: `no_meter`, `archived_meter`,
 *   `payload_no_customer_defined`, `payload_no_value_defined`, `payload_invalid_value`.
 */
export function synchronousRefusal(state: EmulatorState, api: SynchronousApi, problem: MeterEventProblem, candidate: MeterEventCandidate): StripeApiError | undefined {
  const meter = problem.meterId === undefined ? undefined : state.meters.get(problem.meterId);
  const customerKey = meter?.customer_mapping.event_payload_key ?? 'stripe_customer_id';
  switch (problem.code) {
    case 'no_meter':
      return refusal(api, 'no_meter', `No active meter found for event_name '${candidate.event_name}'.`, 'event_name');
    case 'archived_meter':
      return refusal(api, 'archived_meter', `The meter for event_name '${candidate.event_name}' is inactive: the meter must be active to submit events.`, 'event_name');
    case 'meter_event_no_customer_defined':
      return refusal(api, 'payload_no_customer_defined', `The payload must have a reference to the customer under '${customerKey}'.`, problem.param);
    case 'meter_event_invalid_value':
    case 'meter_event_value_too_many_digits': {
      const valueKey = meter?.value_settings.event_payload_key ?? 'value';
      if (candidate.payload[valueKey] === undefined) return refusal(api, 'payload_no_value_defined', `The payload must have a value under '${valueKey}'.`, problem.param);
      return refusal(api, 'payload_invalid_value', problem.message, problem.param);
    }
    case 'timestamp_too_far_in_past':
    case 'timestamp_in_future':
      return api === 'v1' ? timestampRefusal(state, problem, candidate, customerKey) : undefined;
    default:
      return undefined;
  }
}

/** Stripe accepted the event but will not count it: the error report follows shortly after the answer. */
export function reportLater(state: EmulatorState, problem: MeterEventProblem, identifier: string): void {
  const receivedAt = new Date(state.wallClock.nowMs()).toISOString();
  setImmediate(() => runAutomatically(() => reportMeterEventFailures(state, [{ problem, identifier }], receivedAt)));
}

export interface SynchronousMeterEvent extends MeterEventCandidate {
  identifier: string;
}

/** What the endpoint answers with: the event's time (the customer's "now" when none was sent) and when Stripe received it. */
export interface AcceptedMeterEvent {
  timestamp: number;
  receivedAt: number;
}

/**
 * The synchronous endpoints' shared core: a repeated identifier is refused first (a retry of a
 * delivered event must be told so, whatever else changed), then the event is refused, counted, or
 * accepted and reported later as Stripe does.
 */
export function acceptSynchronousMeterEvent(state: EmulatorState, api: SynchronousApi, event: SynchronousMeterEvent): AcceptedMeterEvent {
  if (state.meterEvents.get(event.identifier)) {
    const message = api === 'v1' ? `An event already exists with identifier ${event.identifier}.` : `A meter event with identifier ${event.identifier} has already been submitted.`;
    throw new StripeApiError(400, 'invalid_request_error', message, { shouldRetry: false, ...(api === 'v2' ? { code: 'duplicate_meter_event' } : {}) });
  }
  const receivedAt = state.wallClock.nowSeconds();
  const checked = checkMeterEvent(state, event);
  if ('code' in checked) {
    const refused = synchronousRefusal(state, api, checked, event);
    if (refused) throw refused;
    reportLater(state, checked, event.identifier);
    return { timestamp: event.timestamp ?? receivedAt, receivedAt };
  }
  recordCounted(state, event, checked, receivedAt);
  return { timestamp: checked.timestamp, receivedAt };
}
