import Stripe from 'stripe';
import type { StoredEventDestination } from '../billing/billing-state.js';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter, missingParameter } from '../http/stripe-api-error.js';
import { stripeId } from '../state/stripe-ids.js';
import { newSigningSecret } from '../webhooks/webhook-signature.js';
import { webhookUrl } from './webhook-endpoints.routes.js';

const PATH = '/v2/core/event_destinations';
const INCLUDABLE = ['webhook_endpoint.signing_secret', 'webhook_endpoint.url'] as const;

/** `webhook_endpoint.url` and `.signing_secret` are includable: absent unless asked for with `include`. */
function shown(destination: StoredEventDestination, include: readonly string[]): Stripe.V2.Core.EventDestination {
  const { url, signing_secret } = destination.webhook_endpoint;
  return {
    ...destination,
    webhook_endpoint: { ...(include.includes('webhook_endpoint.url') ? { url } : {}), ...(include.includes('webhook_endpoint.signing_secret') ? { signing_secret } : {}) },
  };
}

function includes(params: Params): string[] {
  const include = params.optionalStringList('include') ?? [];
  const unknown = include.find((path) => !(INCLUDABLE as readonly string[]).includes(path));
  if (unknown !== undefined) throw invalidParameter(`Invalid include: ${unknown}`, 'include');
  return include;
}

/**
 * v2 event destinations of type `webhook_endpoint`: `thin` ones receive v2 events (meter error
 * reports) as thin notifications, `snapshot` ones receive v1 events like a webhook endpoint.
 */
export function eventDestinationRoutes(state: EmulatorState): Route[] {
  const store = state.billing.eventDestinations;
  return [
    {
      method: 'POST',
      path: PATH,
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['name', 'type', 'event_payload', 'enabled_events', 'webhook_endpoint', 'description', 'metadata', 'include', 'events_from', 'snapshot_api_version'], {
          allowExpand: false,
        });
        const name = params.string('name');
        params.enumOf('type', ['webhook_endpoint'] as const);
        const payload = params.enumOf('event_payload', ['thin', 'snapshot'] as const);
        const enabledEvents = params.optionalStringList('enabled_events');
        if (!enabledEvents || enabledEvents.length === 0) throw missingParameter('enabled_events');
        const url = webhookUrl(params.object('webhook_endpoint', ['url']));
        if (url === undefined) throw missingParameter('webhook_endpoint[url]');
        const now = new Date(state.wallClock.nowMs()).toISOString();
        const destination = store.put({
          id: stripeId('ed_test'),
          object: 'v2.core.event_destination',
          created: now,
          description: params.optionalString('description') ?? '',
          enabled_events: enabledEvents,
          event_payload: payload,
          events_from: params.optionalStringList('events_from') ?? ['self'],
          livemode: false,
          metadata: params.optionalStringMap('metadata') ?? {},
          name,
          ...(payload === 'snapshot' ? { snapshot_api_version: params.optionalString('snapshot_api_version') ?? Stripe.API_VERSION } : {}),
          status: 'enabled',
          type: 'webhook_endpoint',
          updated: now,
          webhook_endpoint: { url, signing_secret: newSigningSecret() },
        });
        return { body: shown(destination, includes(params)) };
      },
    },
    {
      method: 'GET',
      path: `${PATH}/:id`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['include'], { allowExpand: false });
        return { body: shown(store.require(pathParams.id), includes(params)) };
      },
    },
    {
      method: 'GET',
      path: PATH,
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['include', 'limit'], { allowExpand: false });
        const limit = params.optionalInteger('limit', { min: 1, max: 100 }) ?? 20;
        const include = includes(params);
        // a single page: paging past `limit` destinations is not emulated
        return { body: { data: store.newestFirst().slice(0, limit).map((destination) => shown(destination, include)), next_page_url: null, previous_page_url: null } };
      },
    },
    {
      method: 'DELETE',
      path: `${PATH}/:id`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, [], { allowExpand: false });
        store.require(pathParams.id);
        store.remove(pathParams.id);
        // v2 answers a deletion with the id and object only (the SDK's V2.DeletedObject)
        return { body: { id: pathParams.id, object: 'v2.core.event_destination' } };
      },
    },
  ];
}
