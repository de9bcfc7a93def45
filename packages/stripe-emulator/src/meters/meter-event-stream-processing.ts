import type { EmulatorState } from '../emulator-state.js';
import { checkMeterEvent, type CountableMeterEvent, type MeterEventCandidate, type MeterEventProblem } from './meter-event-rules.js';

/** Stripe shows a handful of sample errors per error type in a report. */
const MAX_SAMPLES = 5;

export interface MeterEventFailure {
  problem: MeterEventProblem;
  identifier: string;
}

function errorReport(failures: readonly MeterEventFailure[], validationStart: string, validationEnd: string) {
  const byCode = Map.groupBy(failures, (failure) => failure.problem.code);
  return {
    developer_message_summary: `${failures.length} meter event${failures.length === 1 ? ' was' : 's were'} not counted: ${[...byCode.keys()].join(', ')}`,
    reason: {
      error_count: failures.length,
      error_types: [...byCode].map(([code, group]) => ({
        code,
        error_count: group.length,
        sample_errors: group.slice(0, MAX_SAMPLES).map((failure) => ({ error_message: failure.problem.message, request: { identifier: failure.identifier } })),
      })),
    },
    validation_start: validationStart,
    validation_end: validationEnd,
  };
}

/** One `v1.billing.meter.error_report_triggered` per meter, one `v1.billing.meter.no_meter_found` for the rest. */
export function reportMeterEventFailures(state: EmulatorState, failures: readonly MeterEventFailure[], validationStart: string): void {
  const validationEnd = new Date(state.wallClock.nowMs()).toISOString();
  for (const [meterId, group] of Map.groupBy(failures, (failure) => failure.problem.meterId)) {
    const data = errorReport(group, validationStart, validationEnd);
    if (meterId === undefined) state.v2Events.emit({ type: 'v1.billing.meter.no_meter_found', data });
    else state.v2Events.emit({ type: 'v1.billing.meter.error_report_triggered', related_object: { id: meterId, type: 'billing.meter', url: `/v1/billing/meters/${meterId}` }, data });
  }
}

/**
 * Validates what the v2 stream accepted, as Stripe does after answering: events it can count are
 * recorded, repeated identifiers are dropped, the others are kept as error report events.
 */
export function processMeterEventStream(state: EmulatorState): void {
  const pending = state.meterEvents.takePending();
  if (pending.length === 0) return;
  const validationStart = new Date(Math.min(...pending.map((event) => event.receivedAt)) * 1000).toISOString();
  const failures: MeterEventFailure[] = [];
  for (const event of pending) {
    if (state.meterEvents.get(event.identifier)) continue;
    const checked = checkMeterEvent(state, event);
    if ('code' in checked) {
      failures.push({ problem: checked, identifier: event.identifier });
      continue;
    }
    recordCounted(state, event, checked, event.receivedAt);
  }
  if (failures.length > 0) reportMeterEventFailures(state, failures, validationStart);
}

/** Keeps an event Stripe counts, for the meter and customer its check found. */
export function recordCounted(state: EmulatorState, event: MeterEventCandidate & { identifier: string }, counted: CountableMeterEvent, receivedAt: number): void {
  state.meterEvents.record({
    identifier: event.identifier,
    eventName: event.event_name,
    meterId: counted.meter.id,
    customerId: counted.customerId,
    value: counted.value,
    timestamp: counted.timestamp,
    receivedAt,
    payload: { ...event.payload },
    cancelled: false,
  });
}
