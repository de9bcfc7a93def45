import fc from 'fast-check';
import { WEBHOOK_HANDLERS, type WebhookHandler } from '../../src/webhooks/webhook-handler';
import { fuzzClient, type FuzzRequest, type FuzzSend } from '../support/fuzz-client';
import { expectAlive, fuzzParameters, sendChecked, stateProbe, type StateProbe } from '../support/fuzz-invariants';
import { anyBody, headerText, mutatedObject } from '../support/fuzz-requests';
import { eventually } from '../support/eventually';
import { stripeEvent, stripeSignature } from '../support/signed-webhooks';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The webhook route is the one public route that writes: its credential is the Stripe-Signature
 * over the raw body. Forged or malformed signatures must never store anything; genuinely signed
 * but malformed events (Stripe's bug, or a leaked secret) must still get a 4xx, never a 500.
 * 150 runs per property by default (about 20 s); FUZZ_RUNS for more.
 */
const RUNS = 150;
const SECRET = 'whsec_fuzz_webhooks';
const OTHER_SECRET = 'whsec_someone_else';
jest.setTimeout(300_000);

const now = () => Math.floor(Date.now() / 1000);

describe('fuzzing the Stripe webhook route (e2e)', () => {
  let testApp: TestApp;
  let send: FuzzSend;
  let probe: StateProbe;
  let eventBody: fc.Arbitrary<string>;

  const webhookRequest = (body: string, signature: string, contentType = 'application/json'): FuzzRequest => ({
    method: 'POST',
    path: '/webhooks/stripe',
    headers: { 'content-type': contentType, 'stripe-signature': signature },
    body,
  });

  /** An accepted event is processed in the background; its writes must land before the next run's snapshot. */
  async function settled(): Promise<void> {
    await eventually(async () => {
      const [{ busy }] = await testApp.sql<{ busy: number }>("select count(*)::int as busy from webhook_events where status in ('received', 'processing')");
      expect(busy).toBe(0);
    });
  }

  beforeAll(async () => {
    // retries far in the future: a background retry must not write while a refused request is being checked
    testApp = await startTestApp({ STRIPE_WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_SECONDS: '86400', WEBHOOK_RETRY_SWEEP_SECONDS: '3600', REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false' });
    send = fuzzClient(testApp.app);
    probe = await stateProbe(testApp);
    // every type some handler takes, so a handler added later is fuzzed too
    const handledTypes = testApp.app.get<WebhookHandler[]>(WEBHOOK_HANDLERS).flatMap((handler) => handler.types);
    const object = { id: 'in_fuzz', object: 'invoice', customer: 'cus_fuzz', subscription: 'sub_fuzz', status: 'draft' };
    const event = fc
      .tuple(fc.constantFrom(...handledTypes, 'charge.succeeded'), fc.uuid())
      .map(([type, id]) => stripeEvent(type, { ...object, object: type.split('.')[0] }, now(), `evt_${id}`));
    eventBody = fc.oneof(
      { weight: 2, arbitrary: event.map((valid) => JSON.stringify(valid)) },
      { weight: 6, arbitrary: event.chain(mutatedObject) },
      { weight: 2, arbitrary: anyBody },
    );
  });
  afterAll(() => testApp?.close());

  it('refuses, storing nothing, every body whose Stripe-Signature is forged, stale, for another body or malformed', async () => {
    const signatureElement = fc.tuple(fc.constantFrom('t', 'v1', 'v0', 'v2', ''), fc.oneof(headerText, fc.constantFrom('', String(now()), '0'.repeat(64)))).map(([key, value]) => `${key}=${value}`);
    const badSignature = (body: string) =>
      fc.oneof(
        fc.constant(stripeSignature(body, { secret: OTHER_SECRET })),
        // older than the 300 s tolerance: a replay (a future time needs the secret, so it is no forgery)
        fc.constant(stripeSignature(body, { secret: SECRET, timestamp: now() - 3600 })),
        fc.constant(stripeSignature(`${body} `, { secret: SECRET })),
        fc.array(signatureElement, { maxLength: 5 }).map((elements) => elements.join(',')),
        headerText,
      );
    await fc.assert(
      fc.asyncProperty(
        eventBody.chain((body) => badSignature(body).map((signature) => webhookRequest(body, signature))),
        async (request) => {
          const response = await sendChecked(send, probe, request);
          if (response.status < 400) throw new Error(`a forged or malformed signature was accepted: ${response.status} for ${String(request.headers?.['stripe-signature'])}`);
        },
      ),
      fuzzParameters(RUNS),
    );
    await expectAlive(send, probe);
  });

  it('answers any genuinely signed body without a 5xx, storing nothing when it refuses it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(eventBody, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain')),
        async ([body, contentType]) => {
          const response = await sendChecked(send, probe, webhookRequest(body, stripeSignature(body, { secret: SECRET }), contentType));
          if (response.status < 300) await settled();
        },
      ),
      fuzzParameters(RUNS),
    );
    await expectAlive(send, probe);
  });
});
