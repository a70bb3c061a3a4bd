import { model } from '../helpers';
import { edgeRuleTests } from '../support/monitoring/edge-rule-tests';
import { runRuleTests } from '../support/monitoring/promtool-run';
import { requirePromtools } from '../tools/promtool';
import { EDGE_FLOWS } from '../support/edge-flows';

// The edge alert is evaluated every minute, as the other generated rule tests are (rule-test-configs.ts).
const EVALUATION_INTERVAL = '1m';

describe('generated rule tests: ContinuousLoadEdgePathBroken', () => {
  // Two direct HTTP flows: the HTTP edge flows get the "one of several direct flows fails" case too.
  const m = model({ flows: [{ type: 'http-service', name: 'direct' }, { type: 'http-fresh', name: 'fresh' }, { type: 'grpc', name: 'grpc-direct' }, ...EDGE_FLOWS] });
  test.each(requirePromtools().map((t) => [t.version, t] as const))('pass `promtool test rules` (promtool %s)', (_v, tool) => {
    const groups = edgeRuleTests(m, { le: 'exporter' });
    // Per page pair (2): the two HTTP edge flows 4 cases each, the gRPC one 3.
    expect(groups.length).toBe(2 * (4 + 4 + 3));
    const result = runRuleTests(tool.path, m, groups, { evaluationInterval: EVALUATION_INTERVAL });
    if (!result.ok) throw new Error(result.output.slice(0, 6000));
    expect(result.output).toMatch(/SUCCESS/);
  }, 300_000);
});
