import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookForwarder {
  /** Where the emulator's webhook endpoint points. */
  url: string;
  forwarded: number;
  close(): Promise<void>;
}

const FORWARD_TIMEOUT_MS = 5000;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Stands in for a load balancer in front of the apps: each Stripe delivery goes to the next app
 * in turn, and to the one after when an app does not answer (killed). The raw bytes and the
 * signature header pass through unchanged, so the apps verify Stripe's signature themselves.
 */
export async function startWebhookForwarder(targets: () => string[]): Promise<WebhookForwarder> {
  let next = 0;
  const forwarder = { forwarded: 0 };
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const urls = targets();
      for (let tried = 0; tried < urls.length; tried += 1) {
        const url = urls[(next + tried) % urls.length]!;
        try {
          const answer = await fetch(`${url}${request.url ?? '/'}`, {
            method: 'POST',
            headers: { 'content-type': request.headers['content-type'] ?? 'application/json', 'stripe-signature': String(request.headers['stripe-signature'] ?? '') },
            body,
            signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
          });
          next = (next + tried + 1) % urls.length;
          forwarder.forwarded += 1;
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
          return;
        } catch {
          // that app is down: the next one
        }
      }
      response.writeHead(503).end('{"error":"no app answered"}');
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get forwarded() {
      return forwarder.forwarded;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
