import type { FaultKind } from '@meterbridge/stripe-emulator';
import { periodBoundary } from '@meterbridge/stripe-emulator';
import type { ChaosOptions } from './chaos-options';
import type { SeededRandom } from './seeded-random';

const MINUTE = 60;
const HOUR = 3600;
const MONTHLY = { interval: 'month', intervalCount: 1 } as const;

export interface Period {
  start: number;
  end: number;
}

/**
 * Where the run sits in time (unix seconds). Usage goes into two billing periods: one that ended
 * 36 hours ago (its invoice is a draft: Meterbridge's REPORTER_FINALIZATION_GRACE_MINUTES and the
 * emulator's finalization grace are both 72 hours, so it is still open) and the current one. Every
 * timestamp is then inside ingestion's window (35 days back, 5 minutes ahead of real time) and the
 * emulator's (the same around the customer's test clock, parked at `clockDuringIngest`).
 */
export interface BillingLayout {
  /** The subscriptions' start: each customer's test clock is created here. */
  anchor: number;
  /** The periods that receive usage, oldest first; the last one is still running in real time. */
  usagePeriods: [Period, Period];
  /** Where the test clocks stand while usage is sent: just before real time. */
  clockDuringIngest: number;
  /** The latest event time the stream uses. */
  lastUsageTime: number;
}

/**
 * A monthly anchor whose period boundary falls exactly on `end`. A month shorter than the end's day
 * (Feb 30 does not exist) makes Stripe clamp, so the anchor is taken one or two months back: some
 * month before it always has the day.
 */
function anchorEndingAt(end: number): { anchor: number; periodsBefore: number } {
  const date = new Date(end * 1000);
  for (const months of [1, 2]) {
    const anchor = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()) / 1000;
    if (new Date(anchor * 1000).getUTCDate() === date.getUTCDate() && periodBoundary(anchor, MONTHLY, months) === end) return { anchor, periodsBefore: months - 1 };
  }
  throw new Error(`no monthly anchor ends a period at ${date.toISOString()}`);
}

/** Period boundaries on whole minutes: Stripe's event summaries take minute-aligned ranges. */
export function billingLayout(nowSeconds: number): BillingLayout {
  const firstEnd = Math.floor((nowSeconds - 36 * HOUR) / MINUTE) * MINUTE;
  const { anchor, periodsBefore } = anchorEndingAt(firstEnd);
  const first = { start: periodBoundary(anchor, MONTHLY, periodsBefore), end: firstEnd };
  const current = { start: firstEnd, end: periodBoundary(anchor, MONTHLY, periodsBefore + 2) };
  const clockDuringIngest = nowSeconds - 2 * MINUTE;
  return { anchor, usagePeriods: [first, current], clockDuringIngest, lastUsageTime: clockDuringIngest - MINUTE };
}

export interface PlannedEvent {
  index: number;
  customer: number;
  meter: number;
  period: number;
  value: number;
  timestamp: number;
  idempotencyKey: string;
  /** Sent again after its acknowledgement, as a client that lost track would: must answer `duplicate`. */
  resendAsDuplicate: boolean;
  /** When a client may first send it, in milliseconds from the start of the chaos window. */
  dueMs: number;
}

/** A time in the period; about one event in twenty sits on a boundary second (first, last, or the next period's first). */
function eventTime(random: SeededRandom, layout: BillingLayout, period: number): number {
  const [first] = layout.usagePeriods;
  const { start } = layout.usagePeriods[period]!;
  const last = period === 0 ? first.end - 1 : layout.lastUsageTime;
  if (random.chance(0.05)) return random.pick(period === 0 ? [start, last] : [start, start + 1]);
  // not before 34 days ago: Stripe and ingestion refuse events older than 35 days
  const earliest = Math.max(start, layout.clockDuringIngest - 34 * 24 * HOUR);
  return random.int(earliest, last);
}

/** The known stream: every event the clients will send, in the order they become due. */
export function planEvents(options: ChaosOptions, meters: number, layout: BillingLayout, random: SeededRandom): PlannedEvent[] {
  const windowMs = options.chaosSeconds * 1000;
  return Array.from({ length: options.events }, (_, index) => {
    const period = random.chance(0.5) ? 0 : 1;
    return {
      index,
      customer: random.int(0, options.customers - 1),
      meter: random.int(0, meters - 1),
      period,
      value: random.int(1, 1000),
      timestamp: eventTime(random, layout, period),
      idempotencyKey: `chaos-${options.seed}-${index}`,
      resendAsDuplicate: random.chance(0.05),
      // the last events are due a little before the window closes, so the final kills still meet them
      dueMs: Math.floor((index / options.events) * windowMs * 0.95),
    };
  });
}

export type ChaosAction =
  | { atMs: number; kind: 'kill'; app: number; duringReport: boolean; reportDelayMs: number; downMs: number }
  | { atMs: number; kind: 'fault'; fault: FaultKind; count: number; share?: number }
  | { atMs: number; kind: 'restart_postgres'; downMs: number };

const FAULT_WEIGHTS: [FaultKind, number][] = [
  ['server_error', 0.35],
  ['rate_limit', 0.3],
  ['drop_connection', 0.25],
  ['hang', 0.1],
];

function faultKind(random: SeededRandom): FaultKind {
  let roll = random.next();
  for (const [kind, weight] of FAULT_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'server_error';
}

/** The schedule of the run: kills, faults and the PostgreSQL restart at seeded moments of the window. */
export function planChaos(options: ChaosOptions, random: SeededRandom): ChaosAction[] {
  const windowMs = options.chaosSeconds * 1000;
  const moment = (from: number, to: number) => Math.floor(windowMs * (from + random.next() * (to - from)));
  const kills: ChaosAction[] = Array.from({ length: options.kills }, (_, index) => ({
    atMs: moment(0.03, 0.95),
    kind: 'kill',
    app: random.int(0, options.apps - 1),
    duringReport: index % 2 === 1,
    reportDelayMs: random.int(0, 400),
    downMs: random.int(200, 3000),
  }));
  const faults: ChaosAction[] = Array.from({ length: options.faults }, () => {
    const fault = faultKind(random);
    return {
      atMs: moment(0, 0.95),
      kind: 'fault',
      fault,
      // a hang costs the reporter a whole Stripe timeout: fewer of those
      count: fault === 'hang' ? random.int(1, 2) : random.int(1, 12),
      share: random.chance(0.5) ? random.pick([0.25, 0.5, 1]) : undefined,
    };
  });
  const restart: ChaosAction = { atMs: moment(0.35, 0.6), kind: 'restart_postgres', downMs: random.int(1000, 3000) };
  return [...kills, ...faults, restart].sort((a, b) => a.atMs - b.atMs);
}
