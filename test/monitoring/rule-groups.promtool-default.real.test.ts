import { describePromtoolRuns } from './monitoring/slo-rule-tests';

// The `promtool test rules` runs of one config of test/monitoring/slo-rule-tests.ts (one file per config, so they run in parallel).
describePromtoolRuns('default');
