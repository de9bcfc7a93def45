import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter } from '../http/stripe-api-error.js';

const PATH = '/v2/core/events';

function pageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function offsetOf(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidParameter('Invalid page: not a page token from a previous response', 'page');
  return Number(match[1]);
}

/** The v2 event feed: error reports of the meter event stream and meter lifecycle events. */
export function v2EventRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      path: `${PATH}/:id`,
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        Params.read(body, [], { allowExpand: false });
        return { body: state.v2Events.store.require(pathParams.id) };
      },
    },
    {
      method: 'GET',
      path: PATH,
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['limit', 'page', 'object_id', 'types'], { allowExpand: false });
        const limit = params.optionalInteger('limit', { min: 1, max: 100 }) ?? 20;
        const page = params.optionalString('page');
        const objectId = params.optionalString('object_id');
        const types = params.optionalStringList('types');
        const matching = state.v2Events
          .store
          .newestFirst()
          .filter((event) => (objectId === undefined || event.related_object?.id === objectId) && (types === undefined || types.includes(event.type)));
        const offset = page === undefined ? 0 : offsetOf(page);
        const query = new URLSearchParams({ limit: String(limit), ...(objectId ? { object_id: objectId } : {}) });
        for (const type of types ?? []) query.append('types', type);
        const link = (at: number): string => `${PATH}?${query.toString()}&page=${pageToken(at)}`;
        return {
          body: {
            data: matching.slice(offset, offset + limit),
            next_page_url: offset + limit < matching.length ? link(offset + limit) : null,
            previous_page_url: offset > 0 ? link(Math.max(0, offset - limit)) : null,
          },
        };
      },
    },
  ];
}
