import { request } from 'node:http';
import { Writable } from 'node:stream';
import pg from 'pg';
import { stripeEvent, stripeSignature } from './support/signed-webhooks';
import { startTestApp } from './support/test-app';

const SECRET = 'whsec_shutdown_test_secret';

/** Every log line the app writes, parsed (pino writes one JSON object per line). */
function logCollector(): { stream: Writable; lines: { level: number; msg?: string }[] } {
  const lines: { level: number; msg?: string }[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as { level: number; msg?: string });
      done();
    },
  });
  return { stream, lines };
}

/**
 * POSTs on a connection of its own, closed after the answer: a kept-alive idle connection would
 * hold `app.close()` for Fastify's keep-alive timeout (72 s), which graceful shutdown cuts but a
 * bare close does not.
 */
function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers, agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/**
 * The application closed while Stripe's webhooks are still arriving and being processed (what
 * `npm run demo`, tests and any embedding code do with `app.close()`): found by the demo, which
 * ended with `driver has already been destroyed` from a webhook processed after the ORM closed.
 */
describe('webhooks during shutdown (e2e)', () => {
  it('stops intake, drains processing, then closes the database: no error logged, every acknowledged event stored, none left mid-claim', async () => {
    const logs = logCollector();
    const testApp = await startTestApp({ STRIPE_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' }, { logDestination: logs.stream });
    const { database } = testApp;
    const url = `${await testApp.app.getUrl()}/webhooks/stripe`.replace('[::1]', '127.0.0.1');
    const acknowledged: string[] = [];
    let closing = false;

    /** Delivers events one after another until the service stops answering. */
    const sender = async (worker: number) => {
      for (let sequence = 0; ; sequence += 1) {
        const event = stripeEvent('product.updated', { id: `prod_${worker}_${sequence}`, object: 'product' }, Math.floor(Date.now() / 1000), `evt_shutdown_${worker}_${sequence}`);
        const payload = JSON.stringify(event);
        try {
          const status = await post(url, { 'content-type': 'application/json', 'stripe-signature': stripeSignature(payload, { secret: SECRET }) }, payload);
          if (status === 200) acknowledged.push(event.id);
          else if (closing) return;
          else throw new Error(`webhook answered ${status}`);
        } catch (error) {
          if (closing) return;
          throw error;
        }
      }
    };
    const senders = Array.from({ length: 32 }, (_, worker) => sender(worker));
    const failed = Promise.race(senders);
    while (acknowledged.length < 100) await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 10))]);
    closing = true;
    await testApp.app.close();
    await Promise.all(senders);

    try {
      expect(logs.lines.filter((line) => line.level >= 50)).toEqual([]);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ id: string; status: string }>('select id, status from webhook_events');
      await client.end();
      const status = new Map(rows.map((row) => [row.id, row.status]));
      // a 200 means stored: processed now, or left for the retry sweep of the next start
      expect(acknowledged.filter((id) => !status.has(id))).toEqual([]);
      expect(rows.filter((row) => !['ignored', 'received'].includes(row.status))).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
