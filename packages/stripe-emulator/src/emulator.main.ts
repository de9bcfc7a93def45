import { loadAppConfig } from '../../config/app-config.js';
import { ConfigValidationError } from '../../config/environment.js';
import { startStripeEmulator } from './emulator.js';

/** `npm run emulator`: the Stripe emulator as its own process, for other tools and services. */
async function main(): Promise<void> {
  const config = loadAppConfig();
  const emulator = await startStripeEmulator({ port: config.stripe.emulatorPort, host: '127.0.0.1' });
  process.stdout.write(
    `Stripe emulator listening on ${emulator.url}\n` +
      `Point the SDK at it with host/port/protocol 'http' and any sk_test_… key, or set STRIPE_API_BASE_URL=${emulator.url} with STRIPE_SECRET_KEY=sk_test_… .\n` +
      `Control API: ${emulator.url}/_emulator/state\n`,
  );
  const stop = async (): Promise<void> => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigValidationError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
