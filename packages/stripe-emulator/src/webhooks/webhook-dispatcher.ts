import { invalidParameter } from '../http/stripe-api-error.js';
import { stripeId } from '../state/stripe-ids.js';
import type { Traffic } from '../state/traffic.js';
import { signatureHeader } from './webhook-signature.js';

/** Where one event goes: a v1 webhook endpoint or a v2 event destination. */
export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
}

export interface DeliverySettings {
  /** Send every event twice (two deliveries, same event id), as Stripe may. */
  duplicate: boolean;
  /** Hold events for `reorder_window_ms` and send each batch newest first, as Stripe may. */
  reorder: boolean;
  reorder_window_ms: number;
  /** One retry per entry after a non-2xx answer or a network error; then the delivery has failed. */
  retry_delays_ms: number[];
  timeout_ms: number;
}

export interface DeliveryAttempt {
  attempted_at: string;
  status_code: number | null;
  error: string | null;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  target: string;
  url: string;
  /** 1, or 2 for the duplicate sent when `duplicate` is on. */
  copy: number;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
}

interface Outgoing {
  delivery: Delivery;
  payload: string;
  secret: string;
}

/**
 * Stripe's short, bounded stand-in for its 3-day retry schedule: tests see a retry within a
 * second, and a receiver that never answers 2xx gives up after four attempts.
 */
export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  duplicate: false,
  reorder: false,
  reorder_window_ms: 200,
  retry_delays_ms: [100, 300, 900],
  timeout_ms: 5_000,
};

const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

/**
 * Sends signed events over HTTP. Without `reorder`, each target receives its events in the order
 * they happened (one first attempt at a time); retries run on their own schedule. `reset()` and
 * `close()` cancel everything still scheduled.
 */
export class WebhookDispatcher {
  private settings: DeliverySettings = { ...DEFAULT_DELIVERY_SETTINGS };
  private deliveries: Delivery[] = [];
  private held: Outgoing[] = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  private abort = new AbortController();

  constructor(private readonly traffic?: Traffic) {}

  configure(changes: Partial<DeliverySettings>): DeliverySettings {
    const next = { ...this.settings, ...changes };
    if (!next.retry_delays_ms.every((delay) => Number.isInteger(delay) && delay >= 0)) throw invalidParameter('retry_delays_ms must be whole milliseconds', 'retry_delays_ms');
    this.settings = next;
    return this.currentSettings();
  }

  currentSettings(): DeliverySettings {
    return { ...this.settings, retry_delays_ms: [...this.settings.retry_delays_ms] };
  }

  list(): Delivery[] {
    return this.deliveries.map((delivery) => ({ ...delivery, attempts: [...delivery.attempts] }));
  }

  /** Queues `payload` (the exact bytes to sign) for `target`, once or twice. */
  send(target: WebhookTarget, event: { id: string; type: string }, payload: string): void {
    this.traffic?.notify({ kind: 'webhook', method: 'POST', path: target.url, status: 200, body: payload });
    const copies = this.settings.duplicate ? 2 : 1;
    for (let copy = 1; copy <= copies; copy += 1) {
      const delivery: Delivery = { id: stripeId('whdel'), event_id: event.id, event_type: event.type, target: target.id, url: target.url, copy, status: 'pending', attempts: [] };
      this.deliveries.push(delivery);
      const outgoing = { delivery, payload, secret: target.secret };
      if (this.settings.reorder) this.hold(outgoing);
      else this.chain(target.id, () => this.attempt(outgoing));
    }
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.held.length > 0 || this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.inFlight.size === 0 && (this.held.length > 0 || this.timers.size > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Forgets every delivery and cancels what is scheduled; settings go back to their defaults. */
  reset(): void {
    this.close();
    this.abort = new AbortController();
    this.deliveries = [];
    this.settings = { ...DEFAULT_DELIVERY_SETTINGS };
  }

  close(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.held = [];
    this.chains.clear();
  }

  private hold(outgoing: Outgoing): void {
    this.held.push(outgoing);
    if (this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      const batch = this.held.reverse();
      this.held = [];
      // one after the other, so that the receiver really sees them newest first
      this.track(batch.reduce((previous, next) => previous.then(() => this.attempt(next)), Promise.resolve()));
    }, this.settings.reorder_window_ms);
  }

  private chain(targetId: string, run: () => Promise<void>): void {
    const next = (this.chains.get(targetId) ?? Promise.resolve()).then(run);
    this.chains.set(targetId, next);
    this.track(next);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(outgoing: Outgoing): Promise<void> {
    const { delivery, payload, secret } = outgoing;
    const signal = this.abort.signal;
    if (signal.aborted) return;
    const attempt: DeliveryAttempt = { attempted_at: new Date().toISOString(), status_code: null, error: null };
    try {
      // signed with real time: the receiver checks the timestamp against its own clock (300 s tolerance)
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': USER_AGENT, 'Stripe-Signature': signatureHeader(payload, secret, Math.floor(Date.now() / 1000)) },
        body: payload,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeout_ms)]),
      });
      attempt.status_code = response.status;
      await response.arrayBuffer();
    } catch (error) {
      attempt.error = error instanceof Error ? error.message : String(error);
    }
    if (signal.aborted) return;
    delivery.attempts.push(attempt);
    if (attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300) {
      delivery.status = 'succeeded';
      return;
    }
    const delay = this.settings.retry_delays_ms[delivery.attempts.length - 1];
    if (delay === undefined) {
      delivery.status = 'failed';
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(outgoing));
    }, delay);
    this.timers.add(timer);
  }
}
