/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // jose v6 and the OpenAPI validator are ESM-only; Jest's CJS runtime can only require() ESM on Node >= 24.9
  transformIgnorePatterns: ['/node_modules/(?!(jose|@seriousme)/)'],
  // Generous: on a busy CI machine an end-to-end test can take several times its usual time. Tests wait
  // on conditions (with their own deadlines), never on sleeps, so a long timeout costs nothing when all is well.
  testTimeout: 120_000,
  setupFiles: ['<rootDir>/test/helpers/fast-check-seed.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};
