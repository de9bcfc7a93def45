import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { recordCreated, recordDeleted } from '../billing/resource-events.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';

const BASE = '/v1/test_helpers/test_clocks';

/** Test clocks: create, retrieve, list, delete (with the customers on them), advance. */
export function testClockRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'POST',
      path: BASE,
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['frozen_time', 'name']);
        const clock = state.clocks.create(params.integer('frozen_time', { min: 0 }), params.optionalString('name') ?? null);
        recordCreated(state, 'test_helpers.test_clock.created', clock);
        return { body: clock };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/:id`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: state.clocks.store.require(pathParams.id) };
      },
    },
    {
      method: 'GET',
      path: BASE,
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, LIST_PARAMS);
        return { body: paginate(state.clocks.store.newestFirst(), params, path, 'test_clock') };
      },
    },
    {
      method: 'DELETE',
      path: `${BASE}/:id`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, [], { allowExpand: false });
        const clock = state.clocks.store.require(pathParams.id);
        state.clocks.remove(pathParams.id);
        // deleting a clock deletes the objects that live on it
        for (const customer of state.customers.all()) {
          if (customer.test_clock !== pathParams.id) continue;
          state.customers.remove(customer.id);
          recordDeleted(state, 'customer.deleted', customer, clock.frozen_time);
        }
        recordDeleted(state, 'test_helpers.test_clock.deleted', clock, state.wallClock.nowSeconds());
        return { body: { id: pathParams.id, object: 'test_helpers.test_clock', deleted: true } };
      },
    },
    {
      method: 'POST',
      path: `${BASE}/:id/advance`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['frozen_time']);
        const advancing = state.clocks.advance(pathParams.id, params.integer('frozen_time', { min: 0 }));
        state.billing.recordEvent('test_helpers.test_clock.advancing', advancing, state.wallClock.nowSeconds());
        return { body: advancing };
      },
    },
  ];
}
