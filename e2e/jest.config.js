// Jest config for the end-to-end tests (real etcd, kube-apiserver, podinfo, statsd_exporter,
// Prometheus built by scripts/e2e-tools.sh). Run: npx jest -c e2e/jest.config.js
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Real processes on loopback, generous timeouts. Two files at a time: the pipeline and fault-matrix suites
  // spend most of their wall time waiting for alerts in real time, so a second file fills the idle core.
  maxWorkers: 2,
  // test.concurrent tests at a time within a file (jest's default is 5): the fault matrix runs 11 rows 6 at a
  // time (CL_E2E_MATRIX_PARALLEL) in two batches; its own semaphore is what bounds the rows.
  maxConcurrency: 6,
  testTimeout: 15 * 60 * 1000,
  verbose: true,
};
