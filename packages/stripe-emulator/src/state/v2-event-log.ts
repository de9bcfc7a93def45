import type Stripe from 'stripe';
import { currentRequestOrigin } from '../http/request-origin.js';
import { ResourceStore } from './resource-store.js';
import { stripeId } from './stripe-ids.js';
import type { WallClock } from './wall-clock.js';
import type { WireV2Event } from './wire-types.js';

export type V2EventListener = (event: WireV2Event) => void;

export interface V2EventInput {
  type: string;
  related_object?: Stripe.Events.RelatedObject;
  data?: unknown;
}

/**
 * Stripe's v2 event feed (`/v2/core/events`): meter error reports and meter lifecycle events.
 * Listeners (webhook delivery) are told of each new event; they survive a reset.
 */
export class V2EventLog {
  readonly store = new ResourceStore<WireV2Event>('event');
  private readonly listeners = new Set<V2EventListener>();

  constructor(private readonly wallClock: WallClock) {}

  emit(input: V2EventInput): WireV2Event {
    const origin = currentRequestOrigin();
    const event: WireV2Event = {
      id: stripeId('evt_test'),
      object: 'v2.core.event',
      context: null,
      created: new Date(this.wallClock.nowMs()).toISOString(),
      livemode: false,
      reason: origin ? { type: 'request', request: { id: origin.id, idempotency_key: origin.idempotencyKey } } : null,
      related_object: input.related_object ?? null,
      type: input.type,
      ...(input.data !== undefined ? { data: input.data } : {}),
    };
    this.store.put(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  onEvent(listener: V2EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.store.clear();
  }
}
