import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';

/** Stripe's codes for a meter event it cannot count (the v2 error report's `error_types[].code`). */
export type MeterEventProblemCode =
  | 'no_meter'
  | 'archived_meter'
  | 'meter_event_no_customer_defined'
  | 'meter_event_customer_not_found'
  | 'meter_event_invalid_value'
  | 'meter_event_value_too_many_digits'
  | 'timestamp_too_far_in_past'
  | 'timestamp_in_future';

export interface MeterEventProblem {
  code: MeterEventProblemCode;
  message: string;
  /** The request parameter at fault, for the synchronous (v1) answer. */
  param: string;
  /** The meter the event was meant for, when one could be found (error reports hang off it). */
  meterId?: string;
}

export interface MeterEventCandidate {
  event_name: string;
  payload: Readonly<Record<string, string>>;
  /** Unix seconds; absent: "now" for the event's customer. */
  timestamp?: number;
}

export interface CountableMeterEvent {
  meter: Stripe.Billing.Meter;
  customerId: string;
  value: bigint;
  timestamp: number;
}

const MAX_PAST_SECONDS = 35 * 24 * 3600;
const MAX_FUTURE_SECONDS = 5 * 60;
const MAX_SIGNIFICANT_DIGITS = 15;
const WHOLE_NUMBER = /^-?\d+$/;

function findMeter(state: EmulatorState, eventName: string): Stripe.Billing.Meter | MeterEventProblem {
  const active = state.activeMeter(eventName);
  if (active) return active;
  const archived = state.meters.find((meter) => meter.event_name === eventName);
  if (archived) return { code: 'archived_meter', message: `The meter for event_name '${eventName}' (${archived.id}) is inactive.`, param: 'event_name', meterId: archived.id };
  return { code: 'no_meter', message: `No active meter was found for event_name '${eventName}'.`, param: 'event_name' };
}

function parseValue(raw: string | undefined, meter: Stripe.Billing.Meter, param: string): bigint | MeterEventProblem {
  // a count meter counts events; only sum and last need a value
  if (raw === undefined) {
    if (meter.default_aggregation.formula === 'count') return 1n;
    return { code: 'meter_event_invalid_value', message: `The payload is missing the value key '${meter.value_settings.event_payload_key}'.`, param, meterId: meter.id };
  }
  if (!WHOLE_NUMBER.test(raw)) {
    return { code: 'meter_event_invalid_value', message: `Invalid value '${raw}' for ${param}: it must be a whole number, as a string.`, param, meterId: meter.id };
  }
  if (raw.replace(/^-?0*/, '').length > MAX_SIGNIFICANT_DIGITS) {
    return { code: 'meter_event_value_too_many_digits', message: `The value for ${param} has more than ${MAX_SIGNIFICANT_DIGITS} significant digits.`, param, meterId: meter.id };
  }
  return BigInt(raw);
}

function checkTimestamp(timestamp: number, now: number, meterId: string): MeterEventProblem | undefined {
  if (timestamp < now - MAX_PAST_SECONDS) {
    return { code: 'timestamp_too_far_in_past', message: `Timestamp ${timestamp} is too far in the past: it must be within the past 35 days (now is ${now}).`, param: 'timestamp', meterId };
  }
  if (timestamp > now + MAX_FUTURE_SECONDS) {
    return { code: 'timestamp_in_future', message: `Timestamp ${timestamp} is too far in the future: it must be at most 5 minutes ahead (now is ${now}).`, param: 'timestamp', meterId };
  }
  return undefined;
}

/**
 * Decides whether Stripe would count a meter event, and for which meter and customer: an active
 * meter for the event name, a known customer under the meter's customer key, a whole-number value
 * of at most 15 significant digits, a timestamp within 35 days back and 5 minutes ahead of the
 * customer's "now" (its test clock's time when it has one). meter-event-answers.ts decides which
 * problems the synchronous endpoints refuse at once; the others, and every problem of the v2
 * stream, arrive later as error report events.
 */
export function checkMeterEvent(state: EmulatorState, candidate: MeterEventCandidate): CountableMeterEvent | MeterEventProblem {
  const meter = findMeter(state, candidate.event_name);
  if ('code' in meter) return meter;
  const customerKey = meter.customer_mapping.event_payload_key;
  const customerId = candidate.payload[customerKey];
  if (!customerId) {
    return { code: 'meter_event_no_customer_defined', message: `The payload is missing the customer key '${customerKey}'.`, param: `payload[${customerKey}]`, meterId: meter.id };
  }
  const valueKey = meter.value_settings.event_payload_key;
  const value = parseValue(candidate.payload[valueKey], meter, `payload[${valueKey}]`);
  if (typeof value !== 'bigint') return value;
  const now = state.now(customerId);
  const timestamp = candidate.timestamp ?? now;
  const timeProblem = checkTimestamp(timestamp, now, meter.id);
  if (timeProblem) return timeProblem;
  // last: Stripe answers everything above at once but finds an unknown customer only later
  if (!state.customers.get(customerId)) {
    return { code: 'meter_event_customer_not_found', message: `No such customer: '${customerId}'`, param: `payload[${customerKey}]`, meterId: meter.id };
  }
  return { meter, customerId, value, timestamp };
}
