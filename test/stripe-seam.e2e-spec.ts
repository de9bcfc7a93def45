import { connect } from 'node:net';
import { Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '@meterbridge/stripe-emulator';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { STRIPE_EMULATOR } from '../src/stripe/stripe.constants';
import { startTestApp } from './support/test-app';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The seam the rest of the service injects: STRIPE_CLIENT, and STRIPE_EMULATOR when no key is set. */
describe('Stripe seam', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('without STRIPE_SECRET_KEY runs an in-process emulator that the client reaches, and closes it with the app', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const testApp = await startTestApp();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Stripe EMULATOR .*NOT billed/));
    const emulator = testApp.app.get<StripeEmulator | null>(STRIPE_EMULATOR);
    const stripe = testApp.app.get<Stripe>(STRIPE_CLIENT);
    try {
      expect(emulator).not.toBeNull();
      const customer = await stripe.customers.create({ email: 'seam@example.com' });
      expect(emulator?.state.customers.get(customer.id)?.email).toBe('seam@example.com');
    } finally {
      await testApp.close();
    }
    expect(await accepts(emulator?.port ?? 0)).toBe(false);
  });

  it('with a key and STRIPE_API_BASE_URL talks to that URL and starts no emulator of its own', async () => {
    const external = await startStripeEmulator();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const testApp = await startTestApp({ STRIPE_SECRET_KEY: 'sk_test_external_emulator', STRIPE_API_BASE_URL: external.url });
    try {
      expect(warn.mock.calls.flat().join(' ')).not.toContain('sk_test_external_emulator');
      expect(testApp.app.get(STRIPE_EMULATOR)).toBeNull();
      const meter = await testApp.app.get<Stripe>(STRIPE_CLIENT).billing.meters.create({ display_name: 'Seam', event_name: 'seam_calls', default_aggregation: { formula: 'sum' } });
      expect(external.state.meters.get(meter.id)?.event_name).toBe('seam_calls');
    } finally {
      await testApp.close();
      await external.close();
    }
  });
});
