import { AsyncLocalStorage } from 'node:async_hooks';

/** The API request an event is caused by, as Stripe reports it in an event's `request` / `reason.request`. */
export interface RequestOrigin {
  id: string;
  /** The `Idempotency-Key` the request carried (the SDK sends one with every POST), or null. */
  idempotencyKey: string | null;
}

const origins = new AsyncLocalStorage<RequestOrigin>();

/** Runs an API request's handler; events it records name the request. */
export function runInRequest<T>(origin: RequestOrigin, run: () => T): T {
  return origins.run(origin, run);
}

/** Work Stripe does on its own (a test clock's billing, asynchronous validation): its events name no request. */
export function runAutomatically<T>(run: () => T): T {
  return origins.exit(run);
}

/** The request being handled, or undefined for automatic work. */
export function currentRequestOrigin(): RequestOrigin | undefined {
  return origins.getStore();
}
