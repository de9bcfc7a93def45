import type { EmulatorState } from '../emulator-state.js';
import { runAutomatically } from '../http/request-origin.js';
import { collectInvoice, finalizeInvoice } from './invoice-lifecycle.js';
import { closePeriod } from './subscription-lifecycle.js';

/** Statuses in which a subscription keeps cycling (past_due ones still invoice, as Stripe's do). */
const CYCLING = new Set(['active', 'trialing', 'past_due']);
/** A guard against a loop that would never end (a zero-length period); far above any real advance. */
const MAX_STEPS = 10_000;

interface DueStep {
  at: number;
  /** Finalizations before period ends at the same second: the older invoice closes first. */
  rank: number;
  run: () => void;
}

function nextStep(state: EmulatorState, belongs: (customerId: string) => boolean, until: number): DueStep | undefined {
  const steps: DueStep[] = [];
  for (const invoice of state.billing.invoices.all()) {
    const at = invoice.automatically_finalizes_at;
    if (invoice.status !== 'draft' || at === null || at > until || !belongs(invoice.customer)) continue;
    steps.push({ at, rank: 0, run: () => collectInvoice(state, finalizeInvoice(state, invoice.id, at), at) });
  }
  for (const subscription of state.billing.subscriptions.all()) {
    if (!CYCLING.has(subscription.status) || !belongs(subscription.customer as string)) continue;
    const at = Math.min(...subscription.items.data.map((item) => item.current_period_end));
    if (at <= until) steps.push({ at, rank: 1, run: () => closePeriod(state, subscription.id, at) });
  }
  return steps.sort((a, b) => a.at - b.at || a.rank - b.rank)[0];
}

/**
 * Plays billing forward to `until` for the customers `belongs` selects, one step at a time in time
 * order, so that an advance across several periods closes each of them (and finalizes each draft
 * when its grace ends) exactly as if time had passed second by second. Each step's events carry
 * the moment the step happened.
 */
export function runDueBilling(state: EmulatorState, belongs: (customerId: string) => boolean, until: number): void {
  for (let steps = 0; steps < MAX_STEPS; steps += 1) {
    const step = nextStep(state, belongs, until);
    if (!step) return;
    step.run();
  }
  throw new Error(`billing did not settle within ${MAX_STEPS} steps up to ${until}`);
}

/**
 * Connects billing to the emulator: a test clock that advances runs billing for the customers on
 * it; v2 events go out to thin event destinations. Called once per emulator; listeners survive
 * `reset()`.
 */
export function attachBilling(state: EmulatorState): void {
  // the advance request only moves the clock: Stripe bills afterwards, on its own, so the events name no request
  state.clocks.onAdvance((clock, _from, to) =>
    runAutomatically(() => {
      runDueBilling(state, (customerId) => state.customers.get(customerId)?.test_clock === clock.id, to);
      state.billing.recordEvent('test_helpers.test_clock.ready', { ...clock, frozen_time: to, status: 'ready', status_details: {} }, state.wallClock.nowSeconds());
    }),
  );
  state.v2Events.onEvent((event) => state.billing.deliverThinEvent(event));
}
