import type { ResourceStore } from '../state/resource-store.js';
import { resourceMissing, StripeApiError } from './stripe-api-error.js';

/**
 * An object named by a request parameter (not by the URL path). When it does not exist Stripe
 * answers 400, not 404: the request is wrong, the URL is fine. Same message, code and param.
 */
export function requireReferenced<T extends { id: string }>(store: ResourceStore<T>, id: string, param: string): T {
  const item = store.get(id);
  if (item) return item;
  const missing = resourceMissing(store.resource, id, param);
  throw new StripeApiError(400, missing.type, missing.message, missing.details);
}
