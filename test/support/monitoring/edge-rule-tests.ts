import { Model, ResolvedFlow } from '../../../lib/model/model';
import { fromSeconds, toSeconds } from '../../../lib/model/duration';
import { SCRAPE_INTERVAL } from '../../../lib/monitoring/monitors';
import { ALERTS } from '../../../lib/monitoring/alerts';
import { EDGE_RULE_GROUP, directFlowsFor } from '../../../lib/monitoring/edge-rules';
import { burnFor, flowClassOf, RULE_GROUP } from '../../../lib/monitoring/rule-groups';
import { flowSeries, injectorPod, seriesName } from './series';
import { INTERVAL_SECONDS, NamedTestGroup, PromqlExprTest, RuleTestOptions, ratioTraffic } from './rule-tests';

const steps = (seconds: number) => Math.ceil(seconds / INTERVAL_SECONDS) + 1;

function firing(labels: Record<string, string>): string {
  return seriesName('ALERTS', { alertname: ALERTS.edgePathBroken, alertstate: 'firing', ...labels });
}

/**
 * `promtool test rules` groups for ContinuousLoadEdgePathBroken, per edge flow and page pair: it fires
 * when every request of the edge flow fails while its direct flows are healthy, and stays silent when
 * the direct flows fail too (the pods are down: not the edge's fault), when one of several direct flows
 * fails (a pod the others miss), or when nothing fails.
 */
export function edgeRuleTests(model: Model, opts: RuleTestOptions): NamedTestGroup[] {
  const pod = injectorPod(model);
  const out: NamedTestGroup[] = [];
  const edgeFlows = model.flows.filter((f) => model.edge.routes.some((r) => r.flow === f.name));
  for (const flow of edgeFlows) {
    const direct = directFlowsFor(model, flow);
    const rules = [...new Set([flow, ...direct].map((f) => RULE_GROUP.flowClass(flowClassOf(model, f)))), EDGE_RULE_GROUP];
    for (const b of model.objectives.burnRates.filter((x) => x.severity === 'page')) {
      const evalTime = toSeconds(burnFor(b)) + 360;
      const n = steps(evalTime);
      const labels = { namespace: model.namespace, flow: flow.name, edge_type: flow.type, severity: 'page', long_window: b.long, short_window: b.short };
      // directErrors: the error ratio of every direct flow, or per direct flow (by its index).
      const series = (edgeErrors: number, directErrors: number | ((i: number) => number)) => [
        ...flowSeries(model, flow, pod, n, ratioTraffic(flow, { errorRatio: () => edgeErrors }), opts.le),
        ...direct.flatMap((d: ResolvedFlow, i) =>
          flowSeries(model, d, pod, n, ratioTraffic(d, { errorRatio: () => (typeof directErrors === 'number' ? directErrors : directErrors(i)) }), opts.le),
        ),
      ];
      const fires: PromqlExprTest = { expr: firing(labels), eval_time: fromSeconds(evalTime), exp_samples: [{ labels: firing(labels), value: 1 }] };
      const silent: PromqlExprTest = { expr: `count_over_time(${firing({ flow: flow.name })}[${fromSeconds(evalTime)}])`, eval_time: fromSeconds(evalTime), exp_samples: [] };
      const name = (what: string) => `${ALERTS.edgePathBroken} ${flow.name} ${b.short}/${b.long}: ${what}`;
      out.push(
        { name: name(`fires when every ${flow.name} request fails and ${direct.map((d) => d.name).join(', ')} succeed`), alert: ALERTS.edgePathBroken, rules, group: { interval: SCRAPE_INTERVAL, input_series: series(1, 0), promql_expr_test: [fires] } },
        { name: name('stays silent when the direct flows fail too (the pods, not the edge)'), alert: ALERTS.edgePathBroken, rules, group: { interval: SCRAPE_INTERVAL, input_series: series(1, 1), promql_expr_test: [silent] } },
        { name: name('stays silent when nothing fails'), alert: ALERTS.edgePathBroken, rules, group: { interval: SCRAPE_INTERVAL, input_series: series(0, 0), promql_expr_test: [silent] } },
      );
      // A pod the keep-alive direct flows miss fails the others (and the edge): not "backends healthy".
      if (direct.length > 1) {
        out.push({
          name: name(`stays silent when ${direct[direct.length - 1]?.name} fails while ${direct.slice(0, -1).map((d) => d.name).join(', ')} succeed`),
          alert: ALERTS.edgePathBroken,
          rules,
          group: { interval: SCRAPE_INTERVAL, input_series: series(1, (i) => (i === direct.length - 1 ? 1 : 0)), promql_expr_test: [silent] },
        });
      }
    }
  }
  return out;
}
