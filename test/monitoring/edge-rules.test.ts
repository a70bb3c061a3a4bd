import { EDGE_RULE_GROUP, directFlowsFor, edgeRuleGroups } from '../../lib/monitoring/edge-rules';
import { ALERTS } from '../../lib/monitoring/alerts';
import { sloRuleGroups } from '../../lib/monitoring/rule-groups';
import { model } from '../helpers';
import { EDGE_FLOWS, GATEWAY_GRPC_FLOW, INGRESS_FLOW } from '../support/edge-flows';

describe('the edge rules', () => {
  const m = model({ flows: [{ type: 'http-service', name: 'direct' }, { type: 'grpc', name: 'grpc-direct' }, ...EDGE_FLOWS] });

  test('compare each edge flow with the direct flows of its protocol to the same target', () => {
    const byName = (n: string) => m.flows.find((f) => f.name === n)!;
    expect(directFlowsFor(m, byName('ingress')).map((f) => f.name)).toEqual(['direct']);
    expect(directFlowsFor(m, byName('gateway-grpc')).map((f) => f.name)).toEqual(['grpc-direct']);
    // With no direct flow of its protocol, any direct flow vouches for the pods.
    const httpOnly = model({ flows: [{ type: 'http-service', name: 'direct' }, GATEWAY_GRPC_FLOW] });
    expect(directFlowsFor(httpOnly, httpOnly.flows[1]).map((f) => f.name)).toEqual(['direct']);
  });

  test('one page rule per edge flow and page pair, saying "edge path broken, backends healthy"', () => {
    const [group] = edgeRuleGroups(m);
    expect(group.name).toBe(EDGE_RULE_GROUP);
    // Default pairs: two page pairs (5m/1h, 30m/6h), three edge flows.
    expect(group.rules.map((r) => `${r.labels?.flow} ${r.labels?.short_window}/${r.labels?.long_window} ${r.labels?.severity}`)).toEqual([
      'ingress 5m/1h page',
      'ingress 30m/6h page',
      'gateway-http 5m/1h page',
      'gateway-http 30m/6h page',
      'gateway-grpc 5m/1h page',
      'gateway-grpc 30m/6h page',
    ]);
    const first = group.rules[0];
    expect(first.alert).toBe(ALERTS.edgePathBroken);
    expect(first.annotations?.summary).toBe('Flow ingress: edge path broken, backends healthy');
    expect(first.annotations?.description).toContain('while flow direct reaches the same target directly within objective');
    expect(first.expr).toBe(
      'flow:cl_error_ratio:rate5m{flow="ingress",namespace="continuous-load"} > 0.0072\nand\nflow:cl_error_ratio:rate1h{flow="ingress",namespace="continuous-load"} > 0.0072\n' +
        'and on (namespace)\n(\nflow:cl_error_ratio:rate5m{flow="direct",namespace="continuous-load"} <= 0.0072\n)',
    );
  });

  test('with several direct flows, every one must be healthy: one failing means a pod is down, not the edge', () => {
    const several = model({ flows: [{ type: 'http-service', name: 'direct' }, { type: 'http-fresh', name: 'fresh' }, INGRESS_FLOW] });
    const [group] = edgeRuleGroups(several);
    expect(group.rules[0].expr).toBe(
      'flow:cl_error_ratio:rate5m{flow="ingress",namespace="continuous-load"} > 0.0072\nand\nflow:cl_error_ratio:rate1h{flow="ingress",namespace="continuous-load"} > 0.0072\n' +
        'and on (namespace)\n(\nflow:cl_error_ratio:rate5m{flow="direct",namespace="continuous-load"} <= 0.0072\n)\n' +
        'and on (namespace)\n(\nflow:cl_error_ratio:rate5m{flow="fresh",namespace="continuous-load"} <= 0.0072\n)',
    );
    expect(group.rules[0].annotations?.description).toContain('while flows direct, fresh reach the same target directly within objective');
  });

  test('no edge flow, or no direct flow to compare with: no edge group', () => {
    expect(edgeRuleGroups(model())).toEqual([]);
    expect(sloRuleGroups(model({ flows: [INGRESS_FLOW] })).map((g) => g.name)).not.toContain(EDGE_RULE_GROUP);
    expect(sloRuleGroups(m).map((g) => g.name)).toContain(EDGE_RULE_GROUP);
  });
});
