import type Stripe from 'stripe';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidRequest } from '../http/stripe-api-error.js';
import { recordCreated } from '../billing/resource-events.js';
import { stripeId } from '../state/stripe-ids.js';

/** Builds a product; prices created with `product_data` use it too. */
export function createProduct(state: EmulatorState, params: Params): Stripe.Product {
  const id = params.optionalString('id') ?? stripeId('prod', 14);
  if (state.products.get(id)) throw invalidRequest(`Product already exists.`, { code: 'resource_already_exists', param: 'id' });
  const now = state.wallClock.nowSeconds();
  const product = state.products.put({
    id,
    object: 'product',
    active: params.optionalBoolean('active') ?? true,
    created: now,
    default_price: null,
    description: params.clearableString('description') ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: params.metadata(),
    name: params.string('name'),
    package_dimensions: null,
    shippable: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: params.clearableString('unit_label') ?? null,
    updated: now,
    url: null,
  });
  recordCreated(state, 'product.created', product);
  return product;
}

export const PRODUCT_FIELDS = ['name', 'active', 'description', 'metadata', 'unit_label'] as const;

/** Products: create, retrieve, list. */
export function productRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/products',
      auth: 'secret_key',
      handler: ({ body }) => ({ body: createProduct(state, Params.read(body, [...PRODUCT_FIELDS, 'id'])) }),
    },
    {
      method: 'GET',
      path: '/v1/products/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: state.products.require(pathParams.id) };
      },
    },
    {
      method: 'GET',
      path: '/v1/products',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'active']);
        const active = params.optionalBoolean('active');
        const matching = state.products.newestFirst().filter((product) => active === undefined || product.active === active);
        return { body: paginate(matching, params, path, 'product') };
      },
    },
  ];
}
