import type { WireEvent } from '../billing/billing-wire-types.js';
import type { EmulatorState } from '../emulator-state.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';

/** `created` as a `gt`/`gte`/`lt`/`lte` range, as Stripe filters lists. */
function createdFilter(params: Params): (event: WireEvent) => boolean {
  const bounds = params.optionalObject('created', ['gt', 'gte', 'lt', 'lte']);
  if (!bounds) return () => true;
  const gt = bounds.optionalInteger('gt');
  const gte = bounds.optionalInteger('gte');
  const lt = bounds.optionalInteger('lt');
  const lte = bounds.optionalInteger('lte');
  return (event) => (gt === undefined || event.created > gt) && (gte === undefined || event.created >= gte) && (lt === undefined || event.created < lt) && (lte === undefined || event.created <= lte);
}

/** The v1 event log: every billing state change, newest first (what webhook endpoints are sent). */
export function eventRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/events/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, []);
        return { body: state.billing.events.require(pathParams.id) };
      },
    },
    {
      method: 'GET',
      path: '/v1/events',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'type', 'types', 'created']);
        const type = params.optionalString('type');
        const types = params.optionalStringList('types');
        const created = createdFilter(params);
        // `type` accepts a `*` wildcard at the end of a prefix, e.g. `invoice.*`
        const typeMatches = (eventType: string): boolean => type === undefined || (type.endsWith('*') ? eventType.startsWith(type.slice(0, -1)) : eventType === type);
        const matching = state.billing.events.newestFirst().filter((event) => typeMatches(event.type) && (types === undefined || types.includes(event.type)) && created(event));
        return { body: paginate(matching, params, path, 'event') };
      },
    },
  ];
}
