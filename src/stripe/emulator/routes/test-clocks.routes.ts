import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
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
        return { body: state.clocks.create(params.integer('frozen_time', { min: 0 }), params.optionalString('name') ?? null) };
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
        state.clocks.remove(pathParams.id);
        // deleting a clock deletes the objects that live on it
        for (const customer of state.customers.all()) if (customer.test_clock === pathParams.id) state.customers.remove(customer.id);
        return { body: { id: pathParams.id, object: 'test_helpers.test_clock', deleted: true } };
      },
    },
    {
      method: 'POST',
      path: `${BASE}/:id/advance`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['frozen_time']);
        return { body: state.clocks.advance(pathParams.id, params.integer('frozen_time', { min: 0 })) };
      },
    },
  ];
}
