import { describePromtoolRuns } from '../support/monitoring/rule-test-configs';

// The `promtool test rules` runs of one config of test/support/monitoring/rule-test-configs.ts (one file per config, so they run in parallel).
describePromtoolRuns('default');
