/** Injection token of the process's one `Stripe` client. */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/**
 * Injection token of the in-process `StripeEmulator` the client talks to when no
 * STRIPE_SECRET_KEY is configured; `null` when the client talks to Stripe or an external emulator.
 */
export const STRIPE_EMULATOR = Symbol('STRIPE_EMULATOR');
