import type { Params } from './params.js';
import { resourceMissing } from './stripe-api-error.js';

/** The parameters every v1 list endpoint accepts. */
export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;

/** Stripe's v1 list envelope. */
export interface ApiList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * One page of `items` (already in Stripe's order: newest first) following Stripe's cursor rules:
 * `starting_after` pages forward from an id, `ending_before` pages backward, `limit` is 1–100 (10).
 */
export function paginate<T extends { id: string }>(items: readonly T[], params: Params, url: string, resource: string): ApiList<T> {
  const limit = params.optionalInteger('limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = params.optionalString('starting_after');
  const endingBefore = params.optionalString('ending_before');
  const indexOf = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw resourceMissing(resource, id, param);
    return index;
  };
  if (endingBefore !== undefined) {
    const end = indexOf(endingBefore, 'ending_before');
    const start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start = startingAfter !== undefined ? indexOf(startingAfter, 'starting_after') + 1 : 0;
  return { object: 'list', data: items.slice(start, start + limit), has_more: start + limit < items.length, url };
}
