import type { WireSubscriptionItem } from '../billing/billing-wire-types.js';
import { addItems, removeItem } from '../billing/subscription-lifecycle.js';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import { requireReferenced } from '../http/referenced-resource.js';
import type { Route } from '../http/router.js';
import { resourceMissing } from '../http/stripe-api-error.js';

/** Subscription items: add a price to a subscription, retrieve one, list a subscription's. */
export function subscriptionItemRoutes(state: EmulatorState): Route[] {
  const find = (id: string): WireSubscriptionItem => {
    for (const subscription of state.billing.subscriptions.all()) {
      const item = subscription.items.data.find((candidate) => candidate.id === id);
      if (item) return item;
    }
    throw resourceMissing('subscription_item', id);
  };
  return [
    {
      method: 'POST',
      path: '/v1/subscription_items',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['subscription', 'price', 'proration_behavior', 'payment_behavior']);
        const subscription = requireReferenced(state.billing.subscriptions, params.string('subscription'), 'subscription');
        const price = requireReferenced(state.prices, params.string('price'), 'price');
        params.optionalEnum('proration_behavior', ['always_invoice', 'create_prorations', 'none'] as const);
        params.optionalEnum('payment_behavior', ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const);
        const updated = addItems(state, subscription.id, [price], state.now(subscription.customer as string));
        const item = updated.items.data.find((candidate) => candidate.price.id === price.id) as WireSubscriptionItem;
        return { body: item };
      },
    },
    {
      method: 'GET',
      path: '/v1/subscription_items/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: find(pathParams.id) };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/subscription_items/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['clear_usage', 'proration_behavior', 'proration_date'], { allowExpand: false });
        params.optionalBoolean('clear_usage');
        params.optionalEnum('proration_behavior', ['always_invoice', 'create_prorations', 'none'] as const);
        params.optionalInteger('proration_date', { min: 0 });
        const item = find(pathParams.id);
        removeItem(state, item.subscription, item.id, state.now(state.billing.subscriptions.require(item.subscription).customer as string));
        return { body: { id: item.id, object: 'subscription_item', deleted: true } };
      },
    },
    {
      method: 'GET',
      path: '/v1/subscription_items',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'subscription']);
        const subscription = requireReferenced(state.billing.subscriptions, params.string('subscription'), 'subscription');
        return { body: paginate(subscription.items.data, params, path, 'subscription_item') };
      },
    },
  ];
}
