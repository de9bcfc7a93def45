import Stripe from 'stripe';
import { ResourceStore } from '../state/resource-store.js';
import { currentRequestOrigin } from '../http/request-origin.js';
import { stripeId } from '../state/stripe-ids.js';
import type { Traffic } from '../state/traffic.js';
import type { WireV2Event } from '../state/wire-types.js';
import { WebhookDispatcher, type WebhookTarget } from '../webhooks/webhook-dispatcher.js';
import type { WireEvent, WireInvoice, WireSubscription } from './billing-wire-types.js';

/** Stored with its signing secret; the secret leaves the emulator only on create. */
export type StoredWebhookEndpoint = Stripe.WebhookEndpoint & { secret: string };

/** Stored with its signing secret; it leaves the emulator only when `include`d. */
export type StoredEventDestination = Stripe.V2.Core.EventDestination & { webhook_endpoint: { url: string; signing_secret: string } };

/** The API request that caused an event; both null for Stripe's own work (a test clock's billing). */
function requestOfEvent(): WireEvent['request'] {
  const origin = currentRequestOrigin();
  return { id: origin?.id ?? null, idempotency_key: origin?.idempotencyKey ?? null };
}

/** Stripe's default: a subscription's draft invoice is finalized one hour after it is created. */
export const DEFAULT_FINALIZATION_GRACE_SECONDS = 3600;

/**
 * The billing half of the emulator's memory: subscriptions, invoices, the v1 event log and the
 * places events are sent to. Kept apart from EmulatorState's catalogue so that billing logic
 * (billing/*.ts) can depend on both without a cycle.
 */
export class BillingState {
  readonly subscriptions = new ResourceStore<WireSubscription>('subscription');
  readonly invoices = new ResourceStore<WireInvoice>('invoice');
  readonly events = new ResourceStore<WireEvent>('event');
  readonly webhookEndpoints = new ResourceStore<StoredWebhookEndpoint>('webhook_endpoint');
  readonly eventDestinations = new ResourceStore<StoredEventDestination>('event_destination');
  readonly webhooks: WebhookDispatcher;
  /** Customers whose invoice payments are declined (control API). */
  readonly failingCustomers = new Set<string>();
  /** Applies to drafts created from now on, as changing Stripe's setting does. */
  finalizationGraceSeconds = DEFAULT_FINALIZATION_GRACE_SECONDS;
  /** When a draft whose auto_advance was turned off was due to finalize; turning it back on restores it. */
  readonly pausedFinalizations = new Map<string, number>();

  constructor(traffic: Traffic) {
    this.webhooks = new WebhookDispatcher(traffic);
  }

  /**
   * Records a v1 event and sends it to every endpoint that wants it. `data.object` is a copy:
   * the event shows the object as it was when the event happened.
   */
  recordEvent(type: Stripe.Event.Type, object: unknown, created: number, previousAttributes?: Record<string, unknown>): WireEvent {
    const targets = [
      ...this.webhookEndpoints.all().filter((endpoint) => endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type))),
      ...this.destinations('snapshot', type),
    ];
    const event = this.events.put({
      id: stripeId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}) },
      livemode: false,
      pending_webhooks: targets.length,
      request: requestOfEvent(),
      type,
    });
    const payload = `${JSON.stringify(event, null, 2)}\n`;
    for (const target of targets) this.webhooks.send(this.targetOf(target), event, payload);
    return event;
  }

  /** v2 events reach event destinations as thin notifications: no `data`, fetch it with the SDK. */
  deliverThinEvent(event: WireV2Event): void {
    const { data: _data, ...notification } = event;
    const payload = `${JSON.stringify(notification, null, 2)}\n`;
    for (const destination of this.destinations('thin', event.type)) this.webhooks.send(this.targetOf(destination), event, payload);
  }

  clear(): void {
    for (const store of [this.subscriptions, this.invoices, this.events, this.webhookEndpoints, this.eventDestinations]) store.clear();
    this.webhooks.reset();
    this.failingCustomers.clear();
    this.pausedFinalizations.clear();
    this.finalizationGraceSeconds = DEFAULT_FINALIZATION_GRACE_SECONDS;
  }

  private destinations(payload: 'snapshot' | 'thin', type: string): StoredEventDestination[] {
    return this.eventDestinations.all().filter((destination) => destination.status === 'enabled' && destination.event_payload === payload && destination.enabled_events.includes(type));
  }

  private targetOf(target: StoredWebhookEndpoint | StoredEventDestination): WebhookTarget {
    if (target.object === 'webhook_endpoint') return { id: target.id, url: target.url, secret: target.secret };
    return { id: target.id, url: target.webhook_endpoint.url, secret: target.webhook_endpoint.signing_secret };
  }
}
