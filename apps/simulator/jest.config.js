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
  // jose v6 is ESM-only; Jest's CJS runtime can only require() ESM on Node >= 24.9
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  // Generous: on a busy CI machine an end-to-end test can take several times its usual time. Tests wait
  // on conditions (with their own deadlines), never on sleeps, so a long timeout costs nothing when all is well.
  testTimeout: 120_000,
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/fast-check-seed.ts'],
};
