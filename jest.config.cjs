/**
 * One jest run covers the service (src, test) and the workspace packages (packages/*). Test files
 * are named for what they start: `*.spec.ts` nothing (unit), `*.int-spec.ts` a real database or
 * Redis without the application, `*.e2e-spec.ts` the application (in the emulator package: the
 * emulator). Packages resolve to their TypeScript sources, so no build is needed first.
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
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
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
