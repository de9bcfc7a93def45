import type { EmulatorState } from '../emulator-state.js';
import { expandIdField, expandListItems, expandObject, type Expanders } from '../http/expand.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { resourceMissing } from '../http/stripe-api-error.js';
import { recordCreated, recordDeleted, recordUpdated } from '../billing/resource-events.js';
import { stripeId } from '../state/stripe-ids.js';
import type { WireCustomer } from '../state/wire-types.js';

const EDITABLE = ['email', 'name', 'description', 'phone', 'metadata'] as const;

/** Customers: create (optionally on a test clock), retrieve, update, list (by email), delete. */
export function customerRoutes(state: EmulatorState): Route[] {
  const expanders: Expanders<WireCustomer> = { test_clock: expandIdField('test_clock', (id) => state.clocks.store.require(id)) };
  const existing = (id: string): WireCustomer => {
    const customer = state.customers.get(id);
    if (!customer) throw resourceMissing('customer', id);
    return customer;
  };

  return [
    {
      method: 'POST',
      path: '/v1/customers',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, [...EDITABLE, 'test_clock']);
        const clockId = params.optionalString('test_clock');
        const created = clockId === undefined ? state.wallClock.nowSeconds() : state.clocks.store.require(clockId, 'test_clock').frozen_time;
        const customer = state.customers.put({
          id: stripeId('cus', 14),
          object: 'customer',
          address: null,
          balance: 0,
          created,
          currency: null,
          default_source: null,
          delinquent: false,
          description: params.clearableString('description') ?? null,
          discount: null,
          email: params.clearableString('email') ?? null,
          invoice_prefix: stripeId('INV', 8).slice(4).toUpperCase(),
          invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
          livemode: false,
          metadata: params.metadata(),
          name: params.clearableString('name') ?? null,
          next_invoice_sequence: 1,
          phone: params.clearableString('phone') ?? null,
          preferred_locales: [],
          shipping: null,
          tax_exempt: 'none',
          test_clock: clockId ?? null,
        });
        recordCreated(state, 'customer.created', customer);
        return { body: expandObject(customer, params.expand(), expanders) };
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, []);
        // Stripe still answers a deleted customer's id, with a deletion marker
        if (state.customers.wasDeleted(pathParams.id)) return { body: { id: pathParams.id, object: 'customer', deleted: true } };
        return { body: expandObject(existing(pathParams.id), params.expand(), expanders) };
      },
    },
    {
      method: 'POST',
      path: '/v1/customers/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const customer = existing(pathParams.id);
        const params = Params.read(body, EDITABLE);
        const changes: Partial<WireCustomer> = { metadata: params.metadata(customer.metadata) };
        for (const field of ['email', 'name', 'description', 'phone'] as const) {
          const value = params.clearableString(field);
          if (value !== undefined) changes[field] = value;
        }
        const updated = state.customers.put({ ...customer, ...changes });
        recordUpdated(state, 'customer.updated', customer, updated, state.now(customer.id));
        return { body: expandObject(updated, params.expand(), expanders) };
      },
    },
    {
      method: 'GET',
      path: '/v1/customers',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'email', 'test_clock']);
        const email = params.optionalString('email');
        const clockId = params.optionalString('test_clock');
        // like Stripe, customers on a test clock appear only when that clock is asked for
        const matching = state.customers.newestFirst().filter((customer) => (email === undefined || customer.email === email) && customer.test_clock === (clockId ?? null));
        const page = paginate(matching, params, path, 'customer');
        return { body: { ...page, data: expandListItems(page.data, params.expand(), expanders) } };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/customers/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        const customer = existing(pathParams.id);
        const at = state.now(customer.id);
        state.customers.remove(pathParams.id);
        recordDeleted(state, 'customer.deleted', customer, at);
        return { body: { id: pathParams.id, object: 'customer', deleted: true } };
      },
    },
  ];
}
