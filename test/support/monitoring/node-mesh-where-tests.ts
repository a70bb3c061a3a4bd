import { Model, ResolvedFlow } from '../../../lib/model/model';
import { METRICS } from '../../../lib/model/metrics';
import { pickPeers } from '../../../lib/model/node-mesh';
import { WHERE_RECORD } from '../../../lib/model/queries-where';
import { MESH_PAIR_RECORD } from '../../../lib/model/queries-node-mesh';
import { SCRAPE_INTERVAL } from '../../../lib/monitoring/monitors';
import { ALERTS } from '../../../lib/monitoring/alerts';
import { INTERVAL_SECONDS, NamedTestGroup } from './rule-tests';
import { InputSeries, RequestGroup, flowSeries, injectorTargetLabels, seriesName } from './series';
import { Topology, compress, faulted, fires, ksmSeries, noneFired, nothingFired, pairLabels, topology, whereRuleGroups } from './where-tests';

/**
 * Generated `promtool test rules` groups for a node-mesh flow (every node as a destination): N injector pods,
 * one per node, and a per-node target pod on every node; each source probes the peers lib/model/node-mesh.ts
 * pickPeers gives it (⌈√N⌉, at most maxPeers), its requests split evenly over them. Faults: one destination
 * pod refusing connects (the script counts them with the IP it dialled), one source node failing to all its
 * peers; and a healthy stretch.
 */

/** The per-node target pods: pod j on node j, in the zones of where-tests' topology. */
function meshTopology(model: Model, n: number): Topology & { readonly peersOf: (i: number) => number[] } {
  const base = topology(model, n);
  const mesh = model.targets.find((t) => t.perNode);
  if (!mesh) throw new Error('the model has no per-node target');
  const targets = base.pods.map((p, j) => ({ pod: `${mesh.name}-m${j}x`, ip: `10.246.${j}.40`, node: p.node }));
  const nodes = base.pods.map((p) => p.node);
  const flow = model.flows.find((f) => f.request.kind === 'http' && f.request.mesh);
  const maxPeers = flow && flow.request.kind === 'http' && flow.request.mesh ? flow.request.mesh.maxPeers : 0;
  const peersOf = (i: number) => pickPeers(nodes, nodes[i] as string, maxPeers).map((node) => nodes.indexOf(node));
  return { ...base, targets, peersOf };
}

/** Per-step outcomes of one source's requests to one peer. */
interface PairOutcome {
  readonly ok: number;
  readonly failed: number;
}

/** The script's dest_reqs counters of one source pod: only its peers' IPs (the dialled IP also on failures). */
function meshDestSeries(model: Model, flow: ResolvedFlow, t: ReturnType<typeof meshTopology>, i: number, steps: number, perStep: (step: number, target: number) => PairOutcome): InputSeries[] {
  const pod = t.pods[i]!;
  const base = { ...injectorTargetLabels(model, pod), flow: flow.name, scenario: flow.name };
  const out: InputSeries[] = [];
  for (const j of t.peersOf(i)) {
    for (const outcome of ['ok', 'failed'] as const) {
      let started = false;
      let v = 0;
      const values: string[] = [];
      for (let s = 0; s < steps; s++) {
        const d = perStep(s, j)[outcome];
        started = started || d > 0;
        v += d;
        values.push(started ? String(v) : '_');
      }
      if (started) out.push({ series: seriesName(METRICS.destRequests, { ...base, dest_ip: t.targets[j]!.ip, outcome }), values: compress(values) });
    }
  }
  return out;
}

export interface MeshWhereCase {
  readonly n: number;
  /** Healthy history before the fault, seconds. */
  readonly history: number;
  /** Length of the healthy stretch, seconds. */
  readonly healthy: number;
}

export function nodeMeshWhereTests(model: Model, c: MeshWhereCase): NamedTestGroup[] {
  const flow = model.flows.find((f) => f.type === 'http-node-mesh');
  if (!flow) throw new Error('the model has no http-node-mesh flow');
  const t = meshTopology(model, c.n);
  const faultAt = c.history;
  const perStep = Math.round(flow.rate * INTERVAL_SECONDS);
  const k = t.peersOf(0).length;
  const out: NamedTestGroup[] = [];
  /** The first `share` of an interval's requests fail (the ones to the failing peers). */
  const failShare = (share: number) => (h: RequestGroup[]) => {
    let left = Math.round(h.reduce((a, g) => a + g.count, 0) * share);
    return h.map((g) => {
      const x = Math.min(g.count, left);
      left -= x;
      return x > 0 ? { ...g, failed: true } : g;
    });
  };
  const build = (steps: number, pairFails: (i: number, j: number) => boolean): InputSeries[] => [
    ...ksmSeries(model, t, steps),
    ...t.pods.flatMap((p, i) => {
      const failing = t.peersOf(i).filter((j) => pairFails(i, j)).length;
      return [
        ...flowSeries(model, flow, p, steps, faulted(flow, 3000 + i, faultAt, failing ? failShare(failing / k) : undefined), 'exporter'),
        ...meshDestSeries(model, flow, t, i, steps, (s, j) => {
          const n = Math.floor(perStep / k) + (t.peersOf(i).indexOf(j) < perStep % k ? 1 : 0);
          return s * INTERVAL_SECONDS >= faultAt && pairFails(i, j) ? { ok: 0, failed: n } : { ok: n, failed: 0 };
        }),
      ];
    }),
  ];

  // 1. The per-node target pod on one node refuses connects: the k sources probing it fail to it only.
  {
    const bad = Math.min(7, c.n - 1);
    const deadline = 300;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const tp = t.targets[bad]!;
    out.push({
      name: `${c.n} injector pods, ${flow.name} (${k} peers per source): the target pod on ${tp.node} refuses connects → ${ALERTS.destinationFailing} names its pod, node and zone within ${deadline / 60} min, no source node, no flow page`,
      alert: ALERTS.destinationFailing,
      rules: whereRuleGroups(model, [flow]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, (_i, j) => j === bad),
        promql_expr_test: [
          fires(ALERTS.destinationFailing, { ...pairLabels(model, flow), dest_ip: tp.ip, dest_pod: tp.pod, dest_node: tp.node, dest_zone: t.zoneOf(tp.node) }, end),
          noneFired(ALERTS.destinationFailing, `dest_ip!="${tp.ip}"`, end),
          noneFired(ALERTS.sourceNodeErrors, '', end),
          noneFired(ALERTS.errorBudgetBurn, '', end),
        ],
      },
    });
  }

  // 2. One source node fails to all its peers (its own network): its node is named, no destination.
  {
    const bad = 3;
    const deadline = 300;
    const end = faultAt + deadline;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    const node = t.pods[bad]!.node;
    out.push({
      name: `${c.n} injector pods, ${flow.name}: ${node} fails to all its ${k} peers → ${ALERTS.sourceNodeErrors} names ${node} within ${deadline / 60} min, no destination`,
      alert: ALERTS.sourceNodeErrors,
      rules: whereRuleGroups(model, [flow]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, (i) => i === bad),
        promql_expr_test: [
          fires(ALERTS.sourceNodeErrors, { ...pairLabels(model, flow), node, zone: t.zoneOf(node) }, end),
          noneFired(ALERTS.sourceNodeErrors, `node!="${node}"`, end),
          noneFired(ALERTS.destinationFailing, '', end),
          noneFired(ALERTS.errorBudgetBurn, '', end),
        ],
      },
    });
  }

  // 3. Healthy: nothing fires; every pair has its record.
  {
    const end = c.healthy;
    const steps = Math.ceil(end / INTERVAL_SECONDS) + 1;
    out.push({
      name: `${c.n} injector pods, ${flow.name}, ${end / 3600} healthy hours: nothing fires`,
      alert: ALERTS.destinationFailing,
      rules: whereRuleGroups(model, [flow]),
      group: {
        interval: SCRAPE_INTERVAL,
        input_series: build(steps, () => false),
        promql_expr_test: [
          nothingFired(end),
          { expr: `count(${MESH_PAIR_RECORD('5m')}{flow="${flow.name}"})`, eval_time: `${end}s`, exp_samples: [{ labels: '{}', value: c.n * k }] },
          { expr: `count(${WHERE_RECORD.destMissingRatio('5m')}{flow="${flow.name}"} < 0.05)`, eval_time: `${end}s`, exp_samples: [{ labels: '{}', value: c.n }] },
        ],
      },
    });
  }
  return out;
}
