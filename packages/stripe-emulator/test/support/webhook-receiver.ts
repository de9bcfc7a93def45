import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The exact bytes, as `stripe.webhooks.constructEvent` needs them. */
  rawBody: string;
  headers: IncomingHttpHeaders;
  signature: string;
  /** The status this receiver answered with. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Parsed bodies, in arrival order. */
  bodies(): Array<{ id: string; type: string; [key: string]: unknown }>;
  /** Answers `status` to the next `count` requests (then 200 again). */
  failNext(count: number, status?: number): void;
  /** The most requests this receiver has had open (received, not yet answered) at once. */
  maxConcurrent(): number;
  /** Holds the answer to the next `count` requests for `ms` (a receiver too slow to answer). */
  delayNext(count: number, ms: number): void;
  /** Waits until at least `count` requests satisfy `accept` (all requests by default). */
  waitFor(count: number, accept?: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A local HTTP endpoint that records every webhook POST it receives. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let delays: { count: number; ms: number } = { count: 0, ms: 0 };
  let open = 0;
  let maxOpen = 0;
  const server: Server = createServer((request, response) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    response.on('close', () => (open -= 1));
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const delayMs = delays.count > 0 ? delays.ms : 0;
      if (delays.count > 0) delays = { ...delays, count: delays.count - 1 };
      const status = failures.count > 0 ? failures.status : 200;
      if (failures.count > 0) failures = { ...failures, count: failures.count - 1 };
      const signature = request.headers['stripe-signature'];
      received.push({ rawBody: Buffer.concat(chunks).toString('utf8'), headers: request.headers, signature: typeof signature === 'string' ? signature : '', status });
      const answer = () => {
        if (!response.destroyed) response.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      };
      if (delayMs > 0) setTimeout(answer, delayMs).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    bodies: () => received.map((webhook) => JSON.parse(webhook.rawBody) as { id: string; type: string }),
    failNext: (count, status = 500) => {
      failures = { count, status };
    },
    maxConcurrent: () => maxOpen,
    delayNext: (count, ms) => {
      delays = { count, ms };
    },
    waitFor: async (count, accept = () => true, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.filter(accept).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, received ${received.filter(accept).length}: ${received.map((webhook) => webhook.rawBody.slice(0, 80)).join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received.filter(accept);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
