// Real-component tier, part 1 (`npm run test:e2e` runs it before e2e/*.e2e.test.ts): the tests under test/
// named `*.real.test.ts`, which run real programs (promtool rule unit tests on Prometheus 2 and 3, kubectl
// kustomize, Go text/template for Helm, the upstream Pod Security evaluator, statsd_exporter, podinfo, bundle
// rebuilds in repository copies, the packed tarball installed into an empty project). They mirror the sources
// like the unit tests; `npm test` skips them.
const unit = require('../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...unit,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.real.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 10 * 60 * 1000,
};
