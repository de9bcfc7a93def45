/**
 * One jest run covers the service (src, test) and the workspace packages (packages/*: their unit
 * tests and the Stripe emulator's contract tests), unit tests (*.spec.ts) and integration/e2e tests
 * (*.e2e-spec.ts). Packages resolve to their TypeScript sources, so no build is needed first.
 */
const swc = {
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/packages/stripe-emulator/src', '<rootDir>/packages/stripe-emulator/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@meterbridge/stripe-emulator$': '<rootDir>/packages/stripe-emulator/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
