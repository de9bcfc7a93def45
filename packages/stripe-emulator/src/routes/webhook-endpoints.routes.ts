import type { StoredWebhookEndpoint } from '../billing/billing-state.js';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter, missingParameter } from '../http/stripe-api-error.js';
import { stripeId } from '../state/stripe-ids.js';
import { newSigningSecret } from '../webhooks/webhook-signature.js';

/**
 * Stripe wants a public HTTPS URL; the emulator delivers to local HTTP receivers too (that is
 * what it is for), so any http(s) URL is accepted.
 */
export function webhookUrl(params: Params, key = 'url'): string | undefined {
  const url = params.optionalString(key);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParameter(`Invalid URL: ${url}`, params.name(key), 'url_invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidParameter(`Invalid URL: ${url} must use http or https`, params.name(key), 'url_invalid');
  return url;
}

function enabledEvents(params: Params): string[] | undefined {
  const events = params.optionalStringList('enabled_events');
  if (events !== undefined && events.length === 0) throw invalidParameter('Invalid enabled_events: must contain at least one event type', 'enabled_events');
  return events;
}

/** The secret is shown once, on create; Stripe never returns it again. */
function withoutSecret(endpoint: StoredWebhookEndpoint): Omit<StoredWebhookEndpoint, 'secret'> {
  const { secret: _secret, ...shown } = endpoint;
  return shown;
}

/** Webhook endpoints: where v1 events are POSTed, signed with the endpoint's `whsec_` secret. */
export function webhookEndpointRoutes(state: EmulatorState): Route[] {
  const store = state.billing.webhookEndpoints;
  return [
    {
      method: 'POST',
      path: '/v1/webhook_endpoints',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
        const url = webhookUrl(params);
        if (url === undefined) throw missingParameter('url');
        const events = enabledEvents(params);
        if (events === undefined) throw missingParameter('enabled_events');
        params.optionalBoolean('connect');
        const endpoint = store.put({
          id: stripeId('we', 24),
          object: 'webhook_endpoint',
          api_version: params.optionalString('api_version') ?? null,
          application: null,
          created: state.wallClock.nowSeconds(),
          description: params.clearableString('description') ?? null,
          enabled_events: events,
          livemode: false,
          metadata: params.metadata(),
          secret: newSigningSecret(),
          status: 'enabled',
          url,
        });
        return { body: endpoint };
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: withoutSecret(store.require(pathParams.id)) };
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, LIST_PARAMS);
        const page = paginate(store.newestFirst(), params, path, 'webhook_endpoint');
        return { body: { ...page, data: page.data.map(withoutSecret) } };
      },
    },
    {
      method: 'POST',
      path: '/v1/webhook_endpoints/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const endpoint = store.require(pathParams.id);
        const params = Params.read(body, ['url', 'enabled_events', 'description', 'metadata', 'disabled']);
        const disabled = params.optionalBoolean('disabled');
        const description = params.clearableString('description');
        const updated = store.put({
          ...endpoint,
          url: webhookUrl(params) ?? endpoint.url,
          enabled_events: enabledEvents(params) ?? endpoint.enabled_events,
          description: description === undefined ? endpoint.description : description,
          metadata: params.metadata(endpoint.metadata),
          status: disabled === undefined ? endpoint.status : disabled ? 'disabled' : 'enabled',
        });
        return { body: withoutSecret(updated) };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/webhook_endpoints/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        store.require(pathParams.id);
        store.remove(pathParams.id);
        return { body: { id: pathParams.id, object: 'webhook_endpoint', deleted: true } };
      },
    },
  ];
}
