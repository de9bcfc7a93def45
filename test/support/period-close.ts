import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
import { eventually } from './eventually';
import { freePort } from './free-port';
import { startTestApp, type TestApp } from './test-app';

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

/** The emulator, an SDK client on it, and the app receiving its signed webhooks. */
export interface BillingStack {
  emulator: StripeEmulator;
  stripe: Stripe;
  app: TestApp;
  close(): Promise<void>;
}

/** Environment for an app that only reports when asked and accepts periods that ended up to 72 hours ago. */
export const PERIOD_CLOSE_ENVIRONMENT = {
  REPORTER_ENABLED: 'false',
  // the period may have ended up to three days ago in real time: only invoice.finalized may close it (Stripe allows a grace of up to 72 h)
  REPORTER_FINALIZATION_GRACE_MINUTES: '4320',
};

export const PERIOD_CLOSE_SECRET_KEY = 'sk_test_period_close';

export async function startBillingStack(environment: Record<string, string> = {}): Promise<BillingStack> {
  const emulator = await startStripeEmulator();
  const secretKey = PERIOD_CLOSE_SECRET_KEY;
  const stripe = new Stripe(secretKey, { host: emulator.host, port: emulator.port, protocol: 'http' });
  const port = await freePort();
  const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/webhooks/stripe`, enabled_events: ['*'] });
  const app = await startTestApp(
    { STRIPE_SECRET_KEY: secretKey, STRIPE_API_BASE_URL: emulator.url, STRIPE_WEBHOOK_SECRET: endpoint.secret as string, ...PERIOD_CLOSE_ENVIRONMENT, ...environment },
    { port },
  );
  return {
    emulator,
    stripe,
    app,
    close: async () => {
      await app.close();
      await emulator.close();
    },
  };
}

/** Moves a test clock and waits until Stripe has finished the billing the move caused. */
export async function advanceClock(stripe: Stripe, clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await eventually(async () => expect((await stripe.testHelpers.testClocks.retrieve(clockId)).status).toBe('ready'));
}
