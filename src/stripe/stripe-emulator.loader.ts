/** The part of `@meterbridge/stripe-emulator` the service uses: where it listens and how to stop it. */
export interface InProcessStripeEmulator {
  readonly url: string;
  close(): Promise<void>;
}

interface StripeEmulatorPackage {
  startStripeEmulator(options: { host: string; port: number }): Promise<InProcessStripeEmulator>;
}

/**
 * A variable, not a literal, so the compiler never follows it: the production build and image do
 * not contain the emulator (a workspace package for development and tests, packages/stripe-emulator).
 * This file is the only one under src/ allowed to load it (.dependency-cruiser.cjs).
 */
const EMULATOR_PACKAGE: string = '@meterbridge/stripe-emulator';

/** Development and test only: starts the Stripe emulator in this process on a free local port. */
export async function startInProcessStripeEmulator(nodeEnv: string): Promise<InProcessStripeEmulator> {
  if (nodeEnv === 'production') throw new Error('Stripe emulator: never in production (set STRIPE_SECRET_KEY)');
  const emulatorPackage = (await import(EMULATOR_PACKAGE)) as StripeEmulatorPackage;
  return emulatorPackage.startStripeEmulator({ host: '127.0.0.1', port: 0 });
}
