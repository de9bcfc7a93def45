/**
 * Injection token of the process's one `Stripe` client. Only src/stripe injects it (the gateway);
 * tests may read it from an application to drive Stripe directly.
 */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');
