/** One answer the emulator sent: an API response or a webhook / thin event payload. */
export interface Exchange {
  kind: 'api' | 'webhook';
  method: string;
  /** The request path, or for a webhook the receiving URL. */
  path: string;
  status: number;
  /** The exact bytes sent. */
  body: string;
}

export type ExchangeListener = (exchange: Exchange) => void;

/**
 * Lets tools watch what the emulator sends (the conformance check of the contract tests
 * validates every captured answer against Stripe's published types). Listeners survive reset.
 */
export class Traffic {
  private readonly listeners = new Set<ExchangeListener>();

  observe(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(exchange: Exchange): void {
    for (const listener of this.listeners) listener(exchange);
  }
}
