/**
 * Unit tier (`npm test`): swc transform (no type-checking here; `npm run typecheck` does that).
 * Test files that run real programs for long (promtool rule unit tests, kubectl kustomize, Go builds of the
 * Helm renderer and the Pod Security evaluator, statsd_exporter and podinfo processes, bundle rebuilds in
 * repository copies) are named `*.real.test.ts` and run in the real-component tier, `npm run test:e2e`
 * (e2e/real.jest.config.js). Quick promtool syntax checks of rules and queries stay here.
 */

// The Go programs the tests run (promtool above all: `promtool test rules` is a third of the suite's CPU)
// collect garbage less often: ~20 % less CPU for a few hundred MB more memory. Set here, in Jest's main
// process, so that the workers and every program they start inherit it (a test file's own process.env does
// not reach child processes). An explicit GOGC wins.
process.env.GOGC ??= '400';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.real\\.test\\.ts$'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  setupFiles: ['<rootDir>/test/tools/validator-code-cache.ts'],
  testTimeout: 60000,
  // Two workers on the 2-core machine (jest's default, cores - 1, runs everything in band in one process).
  maxWorkers: 2,
};
