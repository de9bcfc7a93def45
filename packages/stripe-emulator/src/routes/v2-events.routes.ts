import qs from 'qs';
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

const RANGE_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;
const INTEGER = /^\d+$/;

/** `created[gt|gte|lt|lte]` as unix seconds or ISO 8601, turned into a test on an event's `created`. */
function createdFilter(params: Params): (created: string) => boolean {
  const range = params.optionalObject('created', RANGE_BOUNDS);
  if (!range) return () => true;
  const bounds = RANGE_BOUNDS.map((bound) => {
    const raw = range.optionalString(bound);
    if (raw === undefined) return [bound, undefined] as const;
    const ms = INTEGER.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
    if (Number.isNaN(ms)) throw invalidParameter(`Invalid ${range.name(bound)}: must be a timestamp`, range.name(bound));
    return [bound, ms] as const;
  });
  return (created) => {
    const at = Date.parse(created);
    return bounds.every(([bound, ms]) => ms === undefined || (bound === 'gt' ? at > ms : bound === 'gte' ? at >= ms : bound === 'lt' ? at < ms : at <= ms));
  };
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
        const params = Params.read(body, ['limit', 'page', 'object_id', 'types', 'created'], { allowExpand: false });
        const limit = params.optionalInteger('limit', { min: 1, max: 100 }) ?? 20;
        const page = params.optionalString('page');
        const objectId = params.optionalString('object_id');
        const types = params.optionalStringList('types');
        const createdInRange = createdFilter(params);
        const matching = state.v2Events
          .store
          .newestFirst()
          .filter((event) => (objectId === undefined || event.related_object?.id === objectId) && (types === undefined || types.includes(event.type)) && createdInRange(event.created));
        const offset = page === undefined ? 0 : offsetOf(page);
        // the SDK follows these URLs as they are, so they carry the same filters
        const link = (at: number): string => `${PATH}?${qs.stringify({ ...(body as object), limit, page: pageToken(at) })}`;
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
