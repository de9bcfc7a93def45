import type { ClaimedEvent } from './webhook-events.repository.js';

/** processed: the event changed or confirmed our state; ignored: it concerns nothing of ours. */
export type HandlerOutcome = 'processed' | 'ignored';

/** One handler per event type family, each in its own file under handlers/. */
export interface WebhookHandler {
  readonly types: readonly string[];
  handle(event: ClaimedEvent): Promise<HandlerOutcome>;
}

export const WEBHOOK_HANDLERS = Symbol('WEBHOOK_HANDLERS');

/** The v1 event's object (`data.object`), typed by the caller. */
export function eventObject<T>(event: ClaimedEvent): T {
  return (event.payload as { data: { object: T } }).data.object;
}
