import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import Stripe from 'stripe';
import type { ConfigType } from '@nestjs/config';
import { runtimeConfig, stripeConfig } from '../config/namespaces.js';
import { STRIPE_CLIENT } from './stripe-client.token.js';
import { STRIPE_EMULATOR } from './stripe.constants.js';
import { StripeGateway } from './stripe-gateway.js';
import { startInProcessStripeEmulator, type InProcessStripeEmulator } from './stripe-emulator.loader.js';

export interface StripeClientSettings {
  secretKey: string;
  /** `http(s)://host:port` of an emulator; absent: Stripe itself. */
  apiBaseUrl?: string;
  maxNetworkRetries: number;
  timeoutMs: number;
}

/** The key the client presents to the in-process emulator (which accepts any test key). */
const IN_PROCESS_EMULATOR_KEY = 'sk_test_meterbridge_in_process_emulator';

/** The one place that builds a Stripe client; contract tests build theirs with it too. */
export function createStripeClient(settings: StripeClientSettings): Stripe {
  const target = settings.apiBaseUrl === undefined ? undefined : new URL(settings.apiBaseUrl);
  const protocol = target?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(settings.secretKey, {
    maxNetworkRetries: settings.maxNetworkRetries,
    timeout: settings.timeoutMs,
    appInfo: { name: 'meterbridge' },
    ...(target ? { host: target.hostname, port: Number(target.port || (protocol === 'http' ? 80 : 443)), protocol } : {}),
  });
}

async function inProcessEmulator(stripe: ConfigType<typeof stripeConfig>, runtime: ConfigType<typeof runtimeConfig>): Promise<InProcessStripeEmulator | null> {
  if (stripe.secretKey) return null;
  const emulator = await startInProcessStripeEmulator(runtime.nodeEnv);
  new Logger('Stripe').warn(
    `STRIPE_SECRET_KEY is not set: Stripe calls go to the in-process Stripe EMULATOR at ${emulator.url}. Usage is NOT billed and nothing reaches Stripe.`,
  );
  return emulator;
}

function stripeClient(stripe: ConfigType<typeof stripeConfig>, emulator: InProcessStripeEmulator | null): Stripe {
  const { secretKey, apiBaseUrl, maxNetworkRetries, timeoutMs } = stripe;
  if (emulator) return createStripeClient({ secretKey: IN_PROCESS_EMULATOR_KEY, apiBaseUrl: emulator.url, maxNetworkRetries, timeoutMs });
  if (!secretKey) throw new Error('Stripe client: no STRIPE_SECRET_KEY and no in-process emulator');
  return createStripeClient({ secretKey, apiBaseUrl, maxNetworkRetries, timeoutMs });
}

/**
 * The Stripe seam: everything else injects StripeGateway, which alone holds the SDK client. Without
 * a secret key (development and tests) the client talks to an emulator started in this process,
 * closed with the application.
 */
@Global()
@Module({
  providers: [
    { provide: STRIPE_EMULATOR, inject: [stripeConfig.KEY, runtimeConfig.KEY], useFactory: inProcessEmulator },
    { provide: STRIPE_CLIENT, inject: [stripeConfig.KEY, STRIPE_EMULATOR], useFactory: stripeClient },
    StripeGateway,
  ],
  exports: [StripeGateway, STRIPE_EMULATOR],
})
export class StripeModule implements OnApplicationShutdown {
  constructor(@Inject(STRIPE_EMULATOR) private readonly emulator: InProcessStripeEmulator | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.emulator?.close();
  }
}
