/** Injection token of the process's one `Stripe` client. */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/**
 * Injection token of the in-process `StripeEmulator` the client talks to when no
 * STRIPE_SECRET_KEY is configured; `null` when the client talks to Stripe or an external emulator.
 */
export const STRIPE_EMULATOR = Symbol('STRIPE_EMULATOR');

/**
 * The SDK's types for code outside src/stripe, which may not import 'stripe' itself (the
 * dependency-cruiser rule stripe-client-through-the-seam): `@Inject(STRIPE_CLIENT) stripe: Stripe`,
 * `Stripe.Invoice`. Runtime helpers come from the injected client: `stripe.Decimal`, `stripe.webhooks`.
 */
export type { default as Stripe } from 'stripe';
