import { CONFIGS, ConfigName, describePromtoolRuns } from '../support/monitoring/rule-test-configs';

// `promtool test rules` of the generated rule tests, for every config of test/support/monitoring/rule-test-configs.ts.
for (const name of Object.keys(CONFIGS) as ConfigName[]) describePromtoolRuns(name);
