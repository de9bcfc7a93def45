import Stripe from 'stripe';
import type TestAgent from 'supertest/lib/agent';

const signer = new Stripe('sk_test_signer');

export interface SignOptions {
  secret: string;
  /** unix seconds; default now */
  timestamp?: number;
}

/** A Stripe v1 event as Stripe sends it to a webhook endpoint. */
export function stripeEvent(type: string, object: Record<string, unknown>, created: number, id = `evt_${Math.random().toString(36).slice(2)}`) {
  return { id, object: 'event', api_version: '2026-10-28.endive', type, created, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}

/** The Stripe-Signature header Stripe would send with `payload`, made by the real SDK's test helper. */
export function stripeSignature(payload: string, options: SignOptions): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret: options.secret, timestamp: options.timestamp });
}

/** POSTs `event` to the webhook route with a valid Stripe-Signature. */
export function deliver(http: TestAgent, event: unknown, options: SignOptions, tamper?: (payload: string) => string) {
  const payload = JSON.stringify(event);
  const signature = stripeSignature(payload, options);
  return http
    .post('/webhooks/stripe')
    .set('content-type', 'application/json')
    .set('stripe-signature', signature)
    .send(tamper ? tamper(payload) : payload);
}
