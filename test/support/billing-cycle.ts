import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
import { eventually } from './eventually';
import { freePort } from './free-port';
import { startTestApp, type TestApp } from './test-app';
import { createTestDatabase } from './test-database';

/**
 * A subscription's first period, anchored at a second that is not on the hour, one calendar month
 * before its end, which is ten minutes ago: every event below is in the past and inside Stripe's
 * 35-day window. When the previous month lacks the end's day (Stripe would clamp the period), the
 * period ends on the 28th instead, less than 72 hours ago.
 */
export function periodAnchor(): number {
  const end = new Date(Date.now() - 10 * 60_000);
  const daysInPreviousMonth = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 0)).getUTCDate();
  const day = end.getUTCDate() <= daysInPreviousMonth ? end.getUTCDate() : 28;
  return Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, day, end.getUTCHours(), end.getUTCMinutes(), 17) / 1000 - 60;
}

/** The app and its own emulator (out of the app), with Stripe's signed webhooks delivered to the app. */
export interface BillingCycle {
  emulator: StripeEmulator;
  stripe: Stripe;
  testApp: TestApp;
  /** The app's environment: a replica started with it on the same database talks to the same emulator. */
  environment: Record<string, string>;
  /** Moves a test clock and waits until the emulator has done the work the move caused. */
  advance(clockId: string, to: number): Promise<void>;
  /** Waits until the app has processed the `type` event about the invoice (of `stripeCustomerId`, when given) that closes the period ending at `periodEnd`. */
  periodEventProcessed(type: string, periodEnd: number, stripeCustomerId?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBillingCycle(environment: Record<string, string> = {}): Promise<BillingCycle> {
  const emulator = await startStripeEmulator();
  const stripe = new Stripe('sk_test_billing_cycle', { host: emulator.host, port: emulator.port, protocol: 'http' });
  const port = await freePort();
  const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/stripe`, enabled_events: ['*'] });
  const appEnvironment = {
    STRIPE_SECRET_KEY: 'sk_test_billing_cycle',
    STRIPE_API_BASE_URL: emulator.url,
    STRIPE_WEBHOOK_SECRET: endpoint.secret as string,
    REPORTER_ENABLED: 'false',
    // the period may have ended up to three days ago in real time: only invoice.finalized may close it (Stripe allows a grace of up to 72 h)
    REPORTER_FINALIZATION_GRACE_MINUTES: '4320',
    ...environment,
  };
  // the database outlives the app: the run drops it at its end (see dropRunDatabases), so closing
  // the cycle never waits for the checkpoint a DROP DATABASE forces on the whole server
  const testApp = await startTestApp(appEnvironment, { port, database: await createTestDatabase() });
  return {
    emulator,
    stripe,
    testApp,
    environment: appEnvironment,
    advance: async (clockId, to) => {
      await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
      await eventually(async () => expect((await stripe.testHelpers.testClocks.retrieve(clockId)).status).toBe('ready'));
    },
    periodEventProcessed: (type, periodEnd, stripeCustomerId) =>
      eventually(async () => {
        const rows = await testApp.sql(
          `select id from webhook_events where type = ? and status = 'processed' and (payload->'data'->'object'->>'period_end')::bigint = ?
             and (?::text is null or payload->'data'->'object'->>'customer' = ?)`,
          [type, periodEnd, stripeCustomerId ?? null, stripeCustomerId ?? null],
        );
        expect(rows).not.toHaveLength(0);
      }, 15_000),
    close: async () => {
      // no webhook delivery may reach the app while it shuts down
      emulator.state.billing.webhooks.close();
      await testApp.close();
      await emulator.close();
    },
  };
}

/** The invoice line of a meter's price (never the first line: find it by price). */
export function lineFor(invoice: Stripe.Invoice | undefined, priceId: string): Stripe.InvoiceLineItem | undefined {
  return invoice?.lines.data.find((candidate) => {
    const price = candidate.pricing?.price_details?.price;
    return (typeof price === 'string' ? price : price?.id) === priceId;
  });
}
