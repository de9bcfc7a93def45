/** Module boundaries of CONVENTIONS.md, checked by `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'no-foreign-repositories',
      comment: 'Modules talk through exported services and ports, never through another module\'s repository.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+\\.repository\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'no-foreign-entities',
      comment:
        'A table belongs to one module (docs/architecture.md): only its entities may name another module\'s entity, for an ORM relation; services, repositories and controllers use the owner\'s service or port.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '\\.entity\\.ts$' },
      to: { path: '^src/([^/]+)/.+\\.entity\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'subscriptions-ask-reporting-through-a-port',
      comment: 'Reporting reads subscriptions\' tables; subscriptions asks for a period flush through its PeriodFlush port, which reporting implements. Only the module file wires it.',
      severity: 'error',
      from: { path: '^src/subscriptions/', pathNot: '\\.module\\.ts$' },
      to: { path: '^src/reporting/' },
    },
    {
      name: 'controllers-are-the-outer-edge',
      comment: 'Only a module file registers a controller; no service or other code depends on one.',
      severity: 'error',
      from: { pathNot: '\\.module\\.ts$' },
      to: { path: '\\.controller\\.ts$' },
    },
    {
      name: 'stripe-client-through-the-seam',
      comment: 'Only src/stripe builds the Stripe client; everything else calls Stripe through StripeGateway.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/stripe/' },
      to: { path: 'node_modules/stripe/.+/stripe\\.(cjs|esm)\\.node' },
    },
    {
      name: 'stripe-sdk-only-in-the-gateway',
      comment: 'The SDK client (STRIPE_CLIENT) is injected only in src/stripe: every Stripe call the service makes goes through StripeGateway.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/stripe/' },
      to: { path: '^src/stripe/stripe-client\\.token\\.ts$' },
    },
    {
      name: 'emulator-only-through-the-development-loader',
      comment:
        'The Stripe emulator is a development package: production code never imports it. Only src/stripe/stripe-emulator.loader.ts loads it, by a dynamic import the production build does not follow.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/stripe/stripe-emulator\\.loader\\.ts$' },
      to: { path: '(^|/)packages/stripe-emulator/|@meterbridge/stripe-emulator' },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'The emulator package knows nothing of the service, so it runs (and ships) without it.',
      severity: 'error',
      from: { path: '^packages/stripe-emulator/' },
      to: { path: '^(src|test)/' },
    },
    { name: 'no-circular', severity: 'error', from: { pathNot: '\\.entity\\.ts$' }, to: { circular: true } },
    { name: 'no-test-code-in-src', severity: 'error', from: { path: '^src/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
