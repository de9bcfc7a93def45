import type { EmulatorState } from '../emulator-state.js';
import { expandIdField, expandListItems, expandObject, type Expanders } from '../http/expand.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter, invalidRequest, missingParameter } from '../http/stripe-api-error.js';
import { recordCreated } from '../billing/resource-events.js';
import { stripeId } from '../state/stripe-ids.js';
import type { WirePrice } from '../state/wire-types.js';
import { createProduct, PRODUCT_FIELDS } from './products.routes.js';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;
const USAGE_TYPES = ['licensed', 'metered'] as const;
const PRICE_FIELDS = ['currency', 'product', 'product_data', 'unit_amount', 'unit_amount_decimal', 'recurring', 'nickname', 'metadata', 'active', 'lookup_key', 'billing_scheme', 'tax_behavior'] as const;
const MAX_DECIMAL_PLACES = 12;

/** Since API 2025-03-31 a metered price must be backed by an active billing meter. */
function recurringFrom(state: EmulatorState, params: Params): WirePrice['recurring'] {
  const recurring = params.optionalObject('recurring', ['interval', 'interval_count', 'usage_type', 'meter', 'trial_period_days']);
  if (!recurring) return null;
  const usageType = recurring.optionalEnum('usage_type', USAGE_TYPES) ?? 'licensed';
  const meterId = recurring.optionalString('meter');
  if (usageType === 'metered' && meterId === undefined) {
    throw invalidRequest('Metered prices must be backed by a billing meter: pass recurring[meter].', { param: 'recurring[meter]' });
  }
  if (usageType !== 'metered' && meterId !== undefined) {
    throw invalidRequest('recurring[meter] can only be set when recurring[usage_type] is metered.', { param: 'recurring[meter]' });
  }
  if (meterId !== undefined && state.meters.require(meterId, 'recurring[meter]').status !== 'active') {
    throw invalidRequest(`The billing meter ${meterId} is inactive; a metered price needs an active meter.`, { param: 'recurring[meter]' });
  }
  return {
    interval: recurring.enumOf('interval', INTERVALS),
    interval_count: recurring.optionalInteger('interval_count', { min: 1 }) ?? 1,
    meter: meterId ?? null,
    trial_period_days: recurring.optionalInteger('trial_period_days', { min: 0 }) ?? null,
    usage_type: usageType,
  };
}

/** `unit_amount` (integer minor units) or `unit_amount_decimal` (up to 12 decimal places), never both. */
function amountsFrom(params: Params): Pick<WirePrice, 'unit_amount' | 'unit_amount_decimal'> {
  const unitAmount = params.optionalInteger('unit_amount', { min: 0 });
  const decimal = params.optionalDecimal('unit_amount_decimal');
  if (unitAmount !== undefined && decimal !== undefined) throw invalidRequest('You may only specify one of these parameters: unit_amount, unit_amount_decimal.', { param: 'unit_amount' });
  if (unitAmount !== undefined) return { unit_amount: unitAmount, unit_amount_decimal: String(unitAmount) };
  if (decimal === undefined) throw missingParameter('unit_amount');
  if (decimal.startsWith('-')) throw invalidParameter('Invalid unit_amount_decimal: must be greater than or equal to 0', 'unit_amount_decimal');
  const [whole = '0', fraction = ''] = decimal.split('.');
  if (fraction.length > MAX_DECIMAL_PLACES) throw invalidParameter(`Invalid unit_amount_decimal: at most ${MAX_DECIMAL_PLACES} decimal places are allowed`, 'unit_amount_decimal');
  const normalized = fraction.replace(/0+$/, '') === '' ? String(BigInt(whole)) : `${BigInt(whole)}.${fraction.replace(/0+$/, '')}`;
  return { unit_amount: normalized.includes('.') ? null : Number(normalized), unit_amount_decimal: normalized };
}

function productIdFrom(state: EmulatorState, params: Params): string {
  const productId = params.optionalString('product');
  const productData = params.optionalObject('product_data', PRODUCT_FIELDS);
  if (productId !== undefined && productData) throw invalidRequest('You may only specify one of these parameters: product, product_data.', { param: 'product' });
  if (productData) return createProduct(state, productData).id;
  if (productId === undefined) throw missingParameter('product');
  return state.products.require(productId, 'product').id;
}

/** Prices: create (one-time, licensed or metered), retrieve, list. */
export function priceRoutes(state: EmulatorState): Route[] {
  const expanders: Expanders<WirePrice> = { product: expandIdField('product', (id) => state.products.require(id)) };
  return [
    {
      method: 'POST',
      path: '/v1/prices',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, PRICE_FIELDS);
        params.optionalEnum('billing_scheme', ['per_unit'] as const);
        const currency = params.string('currency').toLowerCase();
        if (!/^[a-z]{3}$/.test(currency)) throw invalidParameter(`Invalid currency: ${currency}`, 'currency');
        const recurring = recurringFrom(state, params);
        const amounts = amountsFrom(params);
        const taxBehavior = params.optionalEnum('tax_behavior', ['exclusive', 'inclusive', 'unspecified'] as const) ?? 'unspecified';
        // last, once every other parameter is known to be valid: product_data creates a product
        const product = productIdFrom(state, params);
        const price = state.prices.put({
          id: stripeId('price', 24),
          object: 'price',
          active: params.optionalBoolean('active') ?? true,
          billing_scheme: 'per_unit',
          created: state.wallClock.nowSeconds(),
          currency,
          custom_unit_amount: null,
          livemode: false,
          lookup_key: params.optionalString('lookup_key') ?? null,
          metadata: params.metadata(),
          nickname: params.clearableString('nickname') ?? null,
          product,
          recurring,
          tax_behavior: taxBehavior,
          tiers_mode: null,
          transform_quantity: null,
          type: recurring ? 'recurring' : 'one_time',
          ...amounts,
        });
        recordCreated(state, 'price.created', price);
        return { body: expandObject(price, params.expand(), expanders) };
      },
    },
    {
      method: 'GET',
      path: '/v1/prices/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, []);
        return { body: expandObject(state.prices.require(pathParams.id), params.expand(), expanders) };
      },
    },
    {
      method: 'GET',
      path: '/v1/prices',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'active', 'product', 'type', 'currency']);
        // Stripe lists active prices unless asked for inactive ones
        const active = params.optionalBoolean('active') ?? true;
        const product = params.optionalString('product');
        const type = params.optionalEnum('type', ['one_time', 'recurring'] as const);
        const currency = params.optionalString('currency')?.toLowerCase();
        const matching = state.prices
          .newestFirst()
          .filter((price) => price.active === active && (product === undefined || price.product === product) && (type === undefined || price.type === type) && (currency === undefined || price.currency === currency));
        const page = paginate(matching, params, path, 'price');
        return { body: { ...page, data: expandListItems(page.data, params.expand(), expanders) } };
      },
    },
  ];
}
