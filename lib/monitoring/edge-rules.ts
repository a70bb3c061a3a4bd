import { EDGE_FLOW_TYPES, EdgeFlowType } from '../config/edge-schema';
import { Model, ResolvedFlow } from '../model/model';
import { RECORD, burnThreshold, matchers } from '../model/queries';
import { percent as pct } from '../model/numbers';
import { ALERTS } from './alerts';
import { burnFor, RuleGroup, Rule } from './rule-groups';

/** Name of the rule group that tells a broken edge from broken pods. */
export const EDGE_RULE_GROUP = 'continuous-load.edge';

/** Flow types that reach the main target without the edge, by the protocol they share with an edge flow. */
const DIRECT = { http: ['http-service', 'http-fresh', 'http-pod-direct'], grpc: ['grpc'] } as const;

const isEdge = (f: ResolvedFlow) => (EDGE_FLOW_TYPES as readonly string[]).includes(f.type);

/**
 * The direct flows an edge flow is compared with: those to the same target over the same protocol, else
 * any direct flow to it (the pods answer on some path). None: the edge cannot be told from the pods.
 */
export function directFlowsFor(model: Model, flow: ResolvedFlow): ResolvedFlow[] {
  const direct = model.flows.filter((f) => !isEdge(f) && ([...DIRECT.http, ...DIRECT.grpc] as string[]).includes(f.type));
  const same = direct.filter((f) => (DIRECT[flow.request.kind] as readonly string[]).includes(f.type));
  return same.length ? same : direct;
}

/**
 * `ContinuousLoadEdgePathBroken`, one rule per edge flow and page pair: the edge flow burns its error
 * budget as the pair's ErrorBudgetBurn would page, while every direct flow it is compared with stays
 * under that pair's threshold over the short window. The direct side reads the same recording rules, so a
 * direct flow without samples (no series) never vouches for the pods: no data, no "backends healthy".
 * Those rules live in other groups, so this alert may read them one evaluation late; the edge flow's own
 * ErrorBudgetBurn pages on time regardless, and this alert adds where the fault is.
 */
export function edgeRuleGroups(model: Model): RuleGroup[] {
  const pages = model.objectives.burnRates.filter((b) => b.severity === 'page');
  const rules: Rule[] = [];
  for (const flow of model.flows.filter(isEdge)) {
    const direct = directFlowsFor(model, flow);
    if (!direct.length) continue;
    const route = model.edge.routes.find((r) => r.flow === flow.name);
    const via = route ? `${route.kind} ${route.name} (host ${route.hostname}, via ${route.address})` : 'the edge';
    for (const b of pages) {
      const t = burnThreshold(b.factor, flow.availability);
      const sel = matchers({ namespace: model.namespace, flow: flow.name });
      // Every direct flow must be healthy, not one: a keep-alive direct flow whose connections sit on live
      // pods would vouch for the backends while a fresh or pod-direct flow sees a dead pod (the fault
      // matrix's pod-blackhole row), and the edge, balancing per request, hits that pod too.
      const healthy = direct
        .map((d) => `(\n${RECORD.errorRatio(b.short)}${matchers({ namespace: model.namespace, flow: d.name })} <= ${burnThreshold(b.factor, d.availability)}\n)`)
        .join('\nand on (namespace)\n');
      rules.push({
        alert: ALERTS.edgePathBroken,
        expr: `${RECORD.errorRatio(b.short)}${sel} > ${t}\nand\n${RECORD.errorRatio(b.long)}${sel} > ${t}\nand on (namespace)\n${healthy}`,
        for: burnFor(b),
        labels: { severity: 'page', flow: flow.name, edge_type: flow.type as EdgeFlowType, long_window: b.long, short_window: b.short },
        annotations: {
          summary: `Flow ${flow.name}: edge path broken, backends healthy`,
          description:
            `{{ $value | humanizePercentage }} of ${flow.name} requests through ${via} failed over the last ${b.short} (more than ${pct(t)} over ${b.long}), ` +
            `while ${direct.length === 1 ? 'flow' : 'flows'} ${direct.map((d) => d.name).join(', ')} ${direct.length === 1 ? 'reaches' : 'reach'} the same target directly within objective: the route, the listener or the edge's data plane is broken, not the pods.`,
        },
      });
    }
  }
  return rules.length ? [{ name: EDGE_RULE_GROUP, rules }] : [];
}
