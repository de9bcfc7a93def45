/** Module boundaries of CONVENTIONS.md, checked by `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'no-foreign-repositories',
      comment: 'Modules talk through exported services, never through another module\'s repository.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+\\.repository\\.ts$', pathNot: '^src/$1/' },
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
      comment: 'Only src/stripe builds the Stripe client; everything else injects it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/stripe/' },
      to: { path: 'node_modules/stripe/.+/stripe\\.(cjs|esm)\\.node' },
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
