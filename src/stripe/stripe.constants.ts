/**
 * Injection token of the in-process `StripeEmulator` the client talks to when no
 * STRIPE_SECRET_KEY is configured; `null` when the client talks to Stripe or an external emulator.
 */
export const STRIPE_EMULATOR = Symbol('STRIPE_EMULATOR');

/**
 * The SDK's data types (`Stripe.Invoice`, `Stripe.Subscription`) for code outside src/stripe, which
 * may not import 'stripe' itself (the dependency-cruiser rule stripe-client-through-the-seam) and
 * calls Stripe only through StripeGateway.
 */
export type { default as Stripe } from 'stripe';
