import { Model, ResolvedFlow } from '../../../lib/model/model';
import { fromSeconds } from '../../../lib/model/duration';
import { METRICS } from '../../../lib/model/metrics';
import { KSM, WHERE_RECORD } from '../../../lib/model/queries-where';
import { SCRAPE_INTERVAL } from '../../../lib/monitoring/monitors';
import { ALERTS, AlertName } from '../../../lib/monitoring/alerts';
import { RULE_GROUP, flowClassOf } from '../../../lib/monitoring/rule-groups';
import { INTERVAL_SECONDS, NamedTestGroup, PromqlExprTest } from './rule-tests';
import { healthyTraffic } from './detection-scenarios';
import { FlowTraffic, InjectorPod, InputSeries, RequestGroup, flowSeries, gaugeSeries, injectorTargetLabels, seriesName } from './series';

/**
 * Generated `promtool test rules` groups for the localizing alerts (lib/monitoring/where-rules.ts): N injector
 * pods, one per node, nodes spread over three zones; three target pods on the first three nodes; the
 * kube-state-metrics series the rules join (kube_node_labels with the zone label, kube_pod_info with pod_ip).
 * Faults hit one source node, one target pod or one zone pair; the tests read the firing `ALERTS` series.
 */

export const ZONES = ['zone-a', 'zone-b', 'zone-c'] as const;

export interface Topology {
  readonly pods: readonly InjectorPod[];
  readonly zoneOf: (node: string) => string;
  readonly targets: readonly { readonly pod: string; readonly ip: string; readonly node: string }[];
}

/** N injector pods on nodes node-0..node-(N-1), node i in zone i mod 3; target pod j on node j. */
export function topology(model: Model, n: number): Topology {
  const pods = Array.from({ length: n }, (_, i) => ({ pod: `${model.injector.name}-${i}`, node: `node-${i}`, ip: `10.244.${i}.17` }));
  const zoneOf = (node: string) => ZONES[Number(node.slice('node-'.length)) % ZONES.length] as string;
  const targets = [0, 1, 2].map((j) => ({ pod: `${model.target.name}-6c4b8f7d9-t${j}`, ip: `10.245.${j}.30`, node: `node-${j}` }));
  return { pods, zoneOf, targets };
}

/** kube-state-metrics' series as kube-prometheus-stack scrapes them (honorLabels: the pod's namespace stays). */
export function ksmSeries(model: Model, t: Topology, steps: number): InputSeries[] {
  const ksm = { job: 'kube-state-metrics', instance: '10.244.9.9:8080', container: 'kube-state-metrics' };
  return [
    ...t.pods.map((p) => gaugeSeries(KSM.nodeLabels, { ...ksm, node: p.node, [KSM.zoneLabel]: t.zoneOf(p.node), label_kubernetes_io_hostname: p.node }, steps, () => 1)),
    ...t.targets.map((tp) =>
      gaugeSeries(KSM.podInfo, { ...ksm, namespace: model.namespace, pod: tp.pod, pod_ip: tp.ip, node: tp.node, host_ip: `192.168.0.${tp.node.slice(5)}`, created_by_kind: 'ReplicaSet', uid: `uid-${tp.pod}` }, steps, () => 1),
    ),
  ];
}

/** What one injector pod's requests of a pod-direct flow did at one target pod in one scrape interval. */
export interface DestOutcome {
  readonly ok: number;
  readonly slow: number;
  /** Failed after connecting: counted with the pod's IP. */
  readonly failed: number;
  /** Failed connects: k6 has no IP for them (`unknown`). */
  readonly refused: number;
}

/**
 * The script's dest_reqs counters of one injector pod for a pod-direct flow: `perStep(step, target)` says what
 * its requests to each target pod did. A series exists from its first event on.
 */
function destSeries(model: Model, flow: ResolvedFlow, pod: InjectorPod, t: Topology, steps: number, perStep: (step: number, target: number) => DestOutcome): InputSeries[] {
  const base = { ...injectorTargetLabels(model, pod), flow: flow.name, scenario: flow.name };
  const out: InputSeries[] = [];
  const series = (destIp: string, outcome: string, inc: (step: number) => number) => {
    let started = false;
    let v = 0;
    const values: string[] = [];
    for (let s = 0; s < steps; s++) {
      const d = inc(s);
      started = started || d > 0;
      v += d;
      values.push(started ? String(v) : '_');
    }
    if (started) out.push({ series: seriesName(METRICS.destRequests, { ...base, dest_ip: destIp, outcome }), values: compress(values) });
  };
  t.targets.forEach((tp, j) => {
    series(tp.ip, 'ok', (s) => perStep(s, j).ok);
    series(tp.ip, 'slow', (s) => perStep(s, j).slow);
    series(tp.ip, 'failed', (s) => perStep(s, j).failed);
  });
  series('unknown', 'failed', (s) => t.targets.reduce((n, _, j) => n + perStep(s, j).refused, 0));
  return out;
}

/** promtool notation for a list of numbers and `_`, compressing runs with a constant step. */
export function compress(v: readonly string[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < v.length) {
    if (v[i] === '_') {
      let n = 1;
      while (i + n < v.length && v[i + n] === '_') n++;
      out.push(`_x${n}`);
      i += n;
      continue;
    }
    const a = Number(v[i]);
    const b = i + 1 < v.length && v[i + 1] !== '_' ? Number(v[i + 1]) - a : undefined;
    let n = 0;
    if (b !== undefined) while (i + n + 1 < v.length && v[i + n + 1] !== '_' && Number(v[i + n + 1]) === a + (n + 1) * b) n++;
    if (n >= 2 && b !== undefined) {
      out.push(`${a}${b < 0 ? '-' : '+'}${Math.abs(b)}x${n}`);
      i += n + 1;
    } else {
      out.push(String(a));
      i++;
    }
  }
  return out.join(' ');
}

/** Splits one interval's requests of an injector pod evenly over the target pods (k6's roundRobin), rest in turn. */
function split(count: number, targets: number, step: number, j: number): number {
  const base = Math.floor(count / targets);
  return base + ((j - step * count) % targets + targets) % targets < count % targets ? base + 1 : base;
}

const at = (s: number) => fromSeconds(s);

function firing(alert: AlertName, labels: Record<string, string>): string {
  return seriesName('ALERTS', { alertname: alert, alertstate: 'firing', ...labels });
}

/** The alert instance with exactly these labels fires at `evalTime`. */
export function fires(alert: AlertName, labels: Record<string, string>, evalTime: number): PromqlExprTest {
  return { expr: firing(alert, labels), eval_time: at(evalTime), exp_samples: [{ labels: firing(alert, labels), value: 1 }] };
}

/** No instance of `alert` matching `sel` (label matchers, e.g. `node!="node-1"`) fired up to `evalTime`. */
export function noneFired(alert: AlertName, sel: string, evalTime: number): PromqlExprTest {
  return { expr: `count_over_time(ALERTS{alertname="${alert}",alertstate="firing"${sel ? `,${sel}` : ''}}[${at(evalTime)}])`, eval_time: at(evalTime), exp_samples: [] };
}

/** Every alert that fired at all up to `evalTime` (expected: none). */
export function nothingFired(evalTime: number): PromqlExprTest {
  return { expr: `count_over_time(ALERTS{alertstate="firing"}[${at(evalTime)}])`, eval_time: at(evalTime), exp_samples: [] };
}

export interface WhereCase {
  /** Injector pods (= source nodes). */
  readonly n: number;
  /** Healthy history before the fault, seconds (at least the long window of the fast page pair). */
  readonly history: number;
  /** Length of the healthy stretch, seconds. */
  readonly healthy: number;
}

/** The first page pair of the model (the localizing alerts' fast pair). */
function fastPage(model: Model) {
  const b = model.objectives.burnRates.find((x) => x.severity === 'page');
  if (!b) throw new Error('the model has no page pair');
  return b;
}

export function pairLabels(model: Model, flow: ResolvedFlow): Record<string, string> {
  const b = fastPage(model);
  return { namespace: model.namespace, flow: flow.name, severity: b.severity, long_window: b.long, short_window: b.short };
}

function flowByType(model: Model, type: string): ResolvedFlow {
  const f = model.flows.find((x) => x.type === type);
  if (!f) throw new Error(`the model has no ${type} flow`);
  return f;
}

/** Healthy history, then `fault(h)` for one pod's requests (h: the healthy groups of that interval). */
export function faulted(flow: ResolvedFlow, seed: number, faultAt: number, fault?: (h: RequestGroup[]) => RequestGroup[]): FlowTraffic {
  const healthy = healthyTraffic(flow, { seed });
  return (step) => {
    const h = healthy(step);
    return fault && step * INTERVAL_SECONDS >= faultAt ? fault(h) : h;
  };
}

/** Rule groups a where test needs: the flows' class groups and the topology info rules. */
export function whereRuleGroups(model: Model, flows: readonly ResolvedFlow[]): string[] {
  return [...new Set(flows.map((f) => RULE_GROUP.flowClass(flowClassOf(model, f)))), RULE_GROUP.topology];
}

/**
 * The promtool groups of the localizing alerts at N injector pods: one source node failing (named, others
 * silent, the flow's page held back), one target pod refusing connects (named with pod, node and zone), one
 * zone pair slow (named), and a healthy stretch (nothing at all).
 */
export function whereTests(model: Model, c: WhereCase): NamedTestGroup[] {
  const svc = flowByType(model, 'http-service');
  const pd = flowByType(model, 'http-pod-direct');
  const t = topology(model, c.n);
  const faultAt = c.history;
  const out: NamedTestGroup[] = [];
  const perStep = (f: ResolvedFlow) => Math.round(f.rate * INTERVAL_SECONDS);

  /** Series of both flows from every pod; `svcFault`/`pdFault` pick the faulty pods' traffic. */
  const build = (
    steps: number,
    svcFault: (i: number) => ((h: RequestGroup[]) => RequestGroup[]) | undefined,
    destFault: (i: number, step: number, j: number, healthy: DestOutcome) => DestOutcome,
    pdSli: (i: number) => ((h: RequestGroup[]) => RequestGroup[]) | undefined,
  ): InputSeries[] => [
    ...ksmSeries(model, t, steps),
    ...t.pods.flatMap((p, i) => [
      ...flowSeries(model, svc, p, steps, faulted(svc, 1000 + i, faultAt, svcFault(i)), 'exporter'),
      ...flowSeries(model, pd, p, steps, faulted(pd, 2000 + i, faultAt, pdSli(i)), 'exporter'),
      ...destSeries(model, pd, p, t, steps, (s, j) => {
        const ok = split(perStep(pd), t.targets.length, s, j);
        const healthy = { ok, slow: 0, failed: 0, refused: 0 };
        return s * INTERVAL_SECONDS >= faultAt ? destFault(i, s, j, healthy) : healthy;
      }),
    ]),
  ];

  // 1. One source node's http-service traffic fails (its network): its node alert fires, nobody else's.
  {
    const bad = 1;
    const deadline = 300;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const node = t.pods[bad]!.node;
    out.push({
      name: `${c.n} injector pods: ${svc.name} fails from ${node} only → ${ALERTS.sourceNodeErrors} names ${node} within ${deadline / 60} min, nothing else fires`,
      alert: ALERTS.sourceNodeErrors,
      rules: whereRuleGroups(model, [svc, pd]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, (i) => (i === bad ? (h) => h.map((g) => ({ ...g, failed: true })) : undefined), (_i, _s, _j, h) => h, () => undefined),
        promql_expr_test: [
          fires(ALERTS.sourceNodeErrors, { ...pairLabels(model, svc), node, zone: t.zoneOf(node) }, end),
          noneFired(ALERTS.sourceNodeErrors, `node!="${node}"`, end),
          noneFired(ALERTS.errorBudgetBurn, '', end),
          { expr: `count(ALERTS{alertstate="firing"})`, eval_time: at(end), exp_samples: [{ labels: '{}', value: 1 }] },
        ],
      },
    });
  }

  // 1b. One source node's http-service requests are slow: its node alert fires, nobody else's.
  {
    const bad = 1;
    const deadline = 600;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const node = t.pods[bad]!.node;
    const slow = svc.latency.thresholdSeconds * 2.4;
    out.push({
      name: `${c.n} injector pods: ${svc.name} slow from ${node} only → ${ALERTS.sourceNodeSlow} names ${node} within ${deadline / 60} min, nothing else fires`,
      alert: ALERTS.sourceNodeSlow,
      rules: whereRuleGroups(model, [svc, pd]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, (i) => (i === bad ? (h) => h.map((g) => ({ ...g, seconds: slow })) : undefined), (_i, _s, _j, h) => h, () => undefined),
        promql_expr_test: [
          fires(ALERTS.sourceNodeSlow, { ...pairLabels(model, svc), node, zone: t.zoneOf(node) }, end),
          noneFired(ALERTS.sourceNodeSlow, `node!="${node}"`, end),
          noneFired(ALERTS.latencyBudgetBurn, 'severity="page"', end),
          noneFired(ALERTS.zonePairSlow, '', end),
        ],
      },
    });
  }

  // 2. One target pod refuses every connect: k6 has no IP for those failures; the pod's missing answers name it.
  {
    const bad = 2;
    const deadline = 300;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const tp = t.targets[bad]!;
    const share = 1 / t.targets.length;
    out.push({
      name: `${c.n} injector pods: target pod ${tp.pod} refuses connects → ${ALERTS.destinationFailing} names the pod, its node and zone within ${deadline / 60} min, nothing else fires`,
      alert: ALERTS.destinationFailing,
      rules: whereRuleGroups(model, [svc, pd]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(
          steps,
          () => undefined,
          (_i, _s, j, h) => (j === bad ? { ok: 0, slow: 0, failed: 0, refused: h.ok } : h),
          () => (h) => {
            // the same share of every source pod's requests fails (fast: connection refused)
            let left = Math.round(h.reduce((n, g) => n + g.count, 0) * share);
            return h.map((g) => {
              const k = Math.min(g.count, left);
              left -= k;
              return k > 0 ? { ...g, failed: true } : g;
            });
          },
        ),
        promql_expr_test: [
          fires(ALERTS.destinationFailing, { ...pairLabels(model, pd), dest_ip: tp.ip, dest_pod: tp.pod, dest_node: tp.node, dest_zone: t.zoneOf(tp.node) }, end),
          noneFired(ALERTS.destinationFailing, `dest_ip!="${tp.ip}"`, end),
          noneFired(ALERTS.errorBudgetBurn, '', end),
          noneFired(ALERTS.sourceNodeErrors, '', end),
        ],
      },
    });
  }

  // 3. Requests from zone-a sources to zone-b pods are slow (the link between the zones).
  {
    const [from, to] = [ZONES[0], ZONES[1]] as const;
    const deadline = 600;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const slowPod = t.targets.findIndex((tp) => t.zoneOf(tp.node) === to);
    const fromZone = (i: number) => t.zoneOf(t.pods[i]!.node) === from;
    const slow = pd.latency.thresholdSeconds * 2.4;
    out.push({
      name: `${c.n} injector pods: ${pd.name} slow from ${from} to ${to} → ${ALERTS.zonePairSlow} names the pair within ${deadline / 60} min, nothing else fires`,
      alert: ALERTS.zonePairSlow,
      rules: whereRuleGroups(model, [svc, pd]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(
          steps,
          () => undefined,
          (i, _s, j, h) => (fromZone(i) && j === slowPod ? { ...h, ok: 0, slow: h.ok } : h),
          (i) =>
            fromZone(i)
              ? (h) => {
                  let left = Math.round(h.reduce((n, g) => n + g.count, 0) / t.targets.length);
                  return h.map((g) => {
                    const k = Math.min(g.count, left);
                    left -= k;
                    return k > 0 ? { ...g, seconds: slow } : g;
                  });
                }
              : undefined,
        ),
        promql_expr_test: [
          fires(ALERTS.zonePairSlow, { ...pairLabels(model, pd), zone: from, dest_zone: to }, end),
          noneFired(ALERTS.zonePairSlow, `dest_zone!="${to}"`, end),
          noneFired(ALERTS.zonePairSlow, `zone!="${from}"`, end),
          noneFired(ALERTS.latencyBudgetBurn, '', end),
          noneFired(ALERTS.sourceNodeSlow, '', end),
          // the dashboard's same- vs cross-zone records: nothing slow within a zone; across zones, the slow
          // pair's share (each source sends a third of its requests to each zone, two thirds cross a zone)
          { expr: `${WHERE_RECORD.zoneScopeLatencyBadRatio(true, '5m')}{flow="${pd.name}"}`, eval_time: at(end), exp_samples: [{ labels: `${WHERE_RECORD.zoneScopeLatencyBadRatio(true, '5m')}{flow="${pd.name}",namespace="${model.namespace}"}`, value: 0 }] },
          {
            // (in ten-thousandths: the ratio of two float sums is exact only to ~1e-16)
            expr: `round(10000 * ${WHERE_RECORD.zoneScopeLatencyBadRatio(false, '5m')}{flow="${pd.name}"})`,
            eval_time: at(end),
            exp_samples: [{ labels: `{flow="${pd.name}",namespace="${model.namespace}"}`, value: Math.round((10000 * t.pods.filter((_, i) => fromZone(i)).length) / (2 * c.n)) }],
          },
        ],
      },
    });
  }

  // 4. Healthy: random errors and latency hiccups from every pod, every destination answering; nothing fires.
  {
    const end = c.healthy;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    out.push({
      name: `${c.n} injector pods, ${end / 3600} healthy hours (0.01% random errors, latency hiccups): nothing fires`,
      alert: ALERTS.sourceNodeErrors,
      rules: whereRuleGroups(model, [svc, pd]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, () => undefined, (_i, _s, _j, h) => h, () => undefined),
        promql_expr_test: [
          nothingFired(end),
          // the localizing records exist (so "nothing fired" is not "nothing evaluated")
          { expr: `count(${WHERE_RECORD.nodeErrorRatio(fastPage(model).short)}{flow="${svc.name}"})`, eval_time: at(end), exp_samples: [{ labels: '{}', value: c.n }] },
          { expr: `count(${WHERE_RECORD.destMissingRatio(fastPage(model).short)}{flow="${pd.name}"} < 0.05)`, eval_time: at(end), exp_samples: [{ labels: '{}', value: t.targets.length }] },
        ],
      },
    });
  }
  return out;
}

