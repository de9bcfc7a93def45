import { existsSync } from 'node:fs';
import { startStripeEmulator } from './emulator.js';
import { EmulatorSettingsError, listenAddress } from './listen-address.js';

/** `npm run emulator`: the Stripe emulator as its own process, for other tools and services. */
async function main(): Promise<void> {
  // the settings may sit in the working directory's .env, as the service's do; the real environment wins
  if (existsSync('.env')) process.loadEnvFile('.env');
  const emulator = await startStripeEmulator(listenAddress(process.env));
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
  process.stderr.write(`${error instanceof EmulatorSettingsError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
