import { ALERTS } from './alerts';
import { fromSeconds, toSeconds } from '../model/duration';
import type { ClassRules, Rule, RuleGroup } from './rule-groups';
import { Model } from '../model/model';
import { matchers, burnThreshold, selector, flowSelector } from '../model/queries';
import { isRemoteWrite } from '../model/queries-rw';
import {
  WHERE_RECORD,
  ZONE_LABEL,
  destErrorRatio,
  destMissingRatio,
  hasDestinations,
  nodeErrorRatio,
  nodeLatencyBadRatio,
  nodeZoneInfo,
  podIpInfo,
  withDestination,
  withSourceZone,
  zonePairLatencyBadRatio,
  zoneScopeLatencyBadRatio,
} from '../model/queries-where';
import { percent as pct } from '../model/numbers';
import { MESH_PAIR_RECORD, meshDestFailsFromMostSources, meshPairErrorRatio, meshScope, meshSourcesOfFailingDest } from '../model/queries-node-mesh';

/**
 * The rules that say where a flow breaks (docs/flows.md, "Where it broke: node and zone").
 *
 * Paging policy: a fault is *localized* when it hits a minority of a flow's source nodes, destination pods or
 * zone pairs (fewer than half of those that report). A localized fault pages once per place, naming it
 * (ContinuousLoadSourceNode*, ContinuousLoadDestinationFailing, ContinuousLoadZonePairSlow), and the flow's
 * own page pairs stay silent (`unless` on flow:cl_*_localized:bool); a fault that hits most of them is the
 * flow's, and pages once per flow as before. Localizing needs at least three of a kind: with one or two
 * source nodes (or target pods) there is no majority to compare with, and the flow pages.
 */

/** The class a group of rules is about, as rule-groups.ts resolves it. */
type WhereClass = ClassRules;

/** Name of the group of the topology info rules (node → zone, pod IP → pod, node, zone). */
export const WHERE_TOPOLOGY_GROUP = 'continuous-load.topology';

/**
 * A missing share above this is a pod that stopped answering (its connects fail), not round-robin noise: k6's
 * roundRobin takes a name's addresses in turn, so over a 5m window each pod's share is even to a few requests.
 * Low enough that a pod that refuses every connect is named (2 minutes into a 5m window) before the flow's own
 * page could fire.
 */
export const MISSING_THRESHOLD = 0.2;

/** Rate window of the where row's panels that read records. */
export const WHERE_PANEL_WINDOW = '5m';

/** Whether the model gets localizing rules: statsd mode, where every k6 series carries the scraped pod's `node`. */
export function localizes(model: Model): boolean {
  return !isRemoteWrite(model);
}

/** The namespaces whose pods are targets: ours and those of cross-namespace flows. */
function targetNamespaces(model: Model): string[] {
  return [model.namespace, ...model.remoteNamespaces];
}

/** The topology info rules every localizing alert joins. */
export function topologyGroup(model: Model): RuleGroup {
  const ns = targetNamespaces(model);
  return {
    name: WHERE_TOPOLOGY_GROUP,
    rules: [
      { record: WHERE_RECORD.nodeZone, expr: nodeZoneInfo(ns) },
      { record: WHERE_RECORD.podIp, expr: podIpInfo(ns) },
    ],
  };
}

/** The page pairs the localizing rules read (the fast pair first). */
function pagePairs(model: Model) {
  return model.objectives.burnRates.filter((b) => b.severity === 'page');
}

/** Windows the localizing recording rules need. */
function windows(model: Model): string[] {
  return [...new Set(pagePairs(model).flatMap((b) => [b.short, b.long]))];
}

/** Matchers of a class's recorded series (those of a class of several carry its static label). */
function recordSelector(model: Model, c: WhereClass): string {
  return c.single ? matchers({ namespace: model.namespace, flow: c.single.name }) : selector([...flowSelector(model, c.cls), ...Object.entries(c.labels).map(([k, v]) => [k, '=', v] as const)]);
}

/** `cond` per item holds for fewer than half of the items `all` lists, per flow. */
const minority = (cond: string, all: string) => `(count by (namespace, flow) (${cond}) * 2 < count by (namespace, flow) (${all}))`;

interface Conditions {
  readonly nodeErrors: string;
  readonly nodeSlow: string;
  readonly dest?: string;
  readonly zonePair?: string;
  /** Node-mesh flows: source nodes whose failures a failing destination explains (their node alert is held back). */
  readonly explainedSources?: string;
}

/** The localized conditions of one page pair (series per node, destination or zone pair that fire). */
function conditions(model: Model, c: WhereClass, b: { short: string; long: string; factor: number }): Conditions {
  const sel = recordSelector(model, c);
  const errT = burnThreshold(b.factor, c.scope.availability);
  const latT = burnThreshold(b.factor, c.scope.latency.target);
  const over = (rec: (w: string) => string, t: number) => `${rec(b.short)}${sel} > ${t}\nand\n${rec(b.long)}${sel} > ${t}`;
  const local = (rec: (w: string) => string, t: number) => `(\n${over(rec, t)}\n)\nand on (namespace, flow)\n${minority(`${rec(b.short)}${sel} > ${t}`, `${rec(b.short)}${sel}`)}`;
  const out: { -readonly [K in keyof Conditions]: Conditions[K] } = {
    nodeErrors: local(WHERE_RECORD.nodeErrorRatio, errT),
    nodeSlow: local(WHERE_RECORD.nodeLatencyBadRatio, latT),
  };
  if (hasDestinations(c.scope)) {
    // Missing answers name a pod only where every request picks a pod afresh (a new connection, a new
    // lookup): a keep-alive flow keeps a connection per VU, so its pods' shares are not even.
    const fresh = c.scope.request.kind === 'http' && c.scope.request.freshConnection;
    const failed = (w: string) => `${WHERE_RECORD.destErrorRatio(w)}${sel} > ${errT}`;
    const missing = (w: string) => `${WHERE_RECORD.destMissingRatio(w)}${sel} > ${MISSING_THRESHOLD}`;
    const failing = (w: string) => (fresh ? `(${failed(w)}) or (${missing(w)})` : failed(w));
    const sustained = fresh
      ? `(\n${failed(b.short)} and ${failed(b.long)}\nor\n${missing(b.short)} and ${WHERE_RECORD.destMissingRatio(b.long)}${sel} > ${errT}\n)`
      : `(\n${failed(b.short)} and ${failed(b.long)}\n)`;
    out.dest = `${sustained}\nand on (namespace, flow)\n${minority(failing(b.short), `${WHERE_RECORD.destMissingRatio(b.short)}${sel}`)}`;
    if (meshScope(c.scope)) {
      // A node-mesh destination is probed by a few sources only: it is the one failing when most of those fail
      // to it (a broken source fails to all its few peers instead), and it explains those sources' failures.
      // Only pods that exist now: a removed node's pod fails until the script's discovery forgets it.
      out.dest = `${out.dest}\nand on (namespace, flow, dest_ip)\n${meshDestFailsFromMostSources(sel, b.short, errT)}\nand on (dest_ip)\n${WHERE_RECORD.podIp}`;
      out.explainedSources = meshSourcesOfFailingDest(sel, b.short, errT, out.dest);
    }
    out.zonePair = local(WHERE_RECORD.zonePairLatencyBadRatio, latT);
  }
  return out;
}

/**
 * A class's localizing rules: recording rules per source node, destination pod and zone pair, the
 * `flow:cl_*_localized:bool` records the flow's pages read, and the alerts that name the place. They go
 * between the class's SLI recording rules and its burn-rate alerts, so all read one evaluation.
 */
export function whereRules(model: Model, c: WhereClass): Rule[] {
  if (!localizes(model)) return [];
  const flow = c.scope;
  const { labels } = c;
  const records: Rule[] = windows(model).flatMap((w) => [
    { record: WHERE_RECORD.nodeErrorRatio(w), expr: nodeErrorRatio(model, flow, w), labels },
    { record: WHERE_RECORD.nodeLatencyBadRatio(w), expr: nodeLatencyBadRatio(model, flow, w), labels },
    ...(hasDestinations(flow)
      ? [
          { record: WHERE_RECORD.destErrorRatio(w), expr: destErrorRatio(model, flow, w), labels },
          { record: WHERE_RECORD.destMissingRatio(w), expr: destMissingRatio(model, flow, w), labels },
          { record: WHERE_RECORD.zonePairLatencyBadRatio(w), expr: zonePairLatencyBadRatio(model, flow, w), labels },
        ]
      : []),
    // Pairs of node-mesh flows, for the short windows the destination condition reads.
    ...(meshScope(flow) && pagePairs(model).some((b) => b.short === w) ? [{ record: MESH_PAIR_RECORD(w), expr: meshPairErrorRatio(model, flow, w), labels }] : []),
  ]);
  // Same-zone vs cross-zone slow share, for the dashboard's where row (its rate window, 5m).
  if (hasDestinations(flow)) {
    for (const same of [true, false]) records.push({ record: WHERE_RECORD.zoneScopeLatencyBadRatio(same, WHERE_PANEL_WINDOW), expr: zoneScopeLatencyBadRatio(model, flow, same, WHERE_PANEL_WINDOW), labels });
  }
  const pairs = pagePairs(model);
  const conds = pairs.map((b) => ({ b, cond: conditions(model, c, b) }));
  const anyOf = (pick: (x: Conditions) => string | undefined) =>
    conds
      .map(({ cond }) => pick(cond))
      .filter((x): x is string => x !== undefined)
      .map((x) => `group by (namespace, flow) (\n${x}\n)`)
      .join('\nor\n');
  const localized: Rule[] = pairs.length
    ? [
        { record: WHERE_RECORD.errorsLocalized, expr: [anyOf((x) => x.nodeErrors), anyOf((x) => x.dest)].filter(Boolean).join('\nor\n'), labels },
        { record: WHERE_RECORD.latencyLocalized, expr: [anyOf((x) => x.nodeSlow), anyOf((x) => x.zonePair)].filter(Boolean).join('\nor\n'), labels },
      ]
    : [];
  const name = c.flowText;
  const alerts: Rule[] = conds.flatMap(({ b, cond }) => {
    const pairLabels = { severity: b.severity, ...labels, long_window: b.long, short_window: b.short };
    // The `for` of the flow's own burn-rate alerts of this pair (rule-groups.ts burnFor): a localized fault
    // pages as fast as a flow-wide one.
    const common = (alert: string) => ({ alert, for: b.for ?? fromSeconds(toSeconds(b.short) / 5), labels: pairLabels });
    const out: Rule[] = [
      {
        ...common(ALERTS.sourceNodeErrors),
        expr: cond.explainedSources
          ? `(\n${withSourceZone(cond.nodeErrors)}\n)\nunless on (namespace, flow, node)\n(\n${cond.explainedSources}\n)`
          : withSourceZone(cond.nodeErrors),
        annotations: {
          summary: `Flow ${name} fails from node {{ $labels.node }} only`,
          description:
            `{{ $value | humanizePercentage }} of ${name} requests sent from node {{ $labels.node }} (zone {{ $labels.zone }}) failed over the last ${b.short}, ` +
            `while fewer than half of the flow's source nodes fail: the fault is on or near that node (its network, kube-proxy, DNS), not the target. ` +
            `Other nodes' ${name} traffic is healthy; the flow's own page is held back while the fault is local.`,
        },
      },
      {
        ...common(ALERTS.sourceNodeSlow),
        // A slow zone pair makes every source node of its zone slow too: the pair's alert names the place.
        expr: cond.zonePair ? `(\n${withSourceZone(cond.nodeSlow)}\n)\nunless on (namespace, flow, ${ZONE_LABEL})\n(\n${cond.zonePair}\n)` : withSourceZone(cond.nodeSlow),
        annotations: {
          summary: `Flow ${name} is slow from node {{ $labels.node }} only`,
          description:
            `{{ $value | humanizePercentage }} of ${name} requests sent from node {{ $labels.node }} (zone {{ $labels.zone }}) took longer than ${c.scope.latency.threshold} over the last ${b.short}, ` +
            `while fewer than half of the flow's source nodes are slow (objective allows ${pct(1 - c.scope.latency.target)}).`,
        },
      },
    ];
    if (cond.dest) {
      out.push({
        ...common(ALERTS.destinationFailing),
        expr: withDestination(cond.dest),
        annotations: {
          summary: `Flow ${name} fails on target pod {{ $labels.dest_pod }} ({{ $labels.dest_ip }}) on node {{ $labels.dest_node }}`,
          description:
            `Requests of ${name} to pod {{ $labels.dest_pod }} ({{ $labels.dest_ip }}, node {{ $labels.dest_node }}, zone {{ $labels.dest_zone }}) fail: ` +
            `{{ $value | humanizePercentage }} failed after connecting, or of its even share went unanswered (connects refused or timed out) over the last ${b.short}, ` +
            `while fewer than half of the target pods fail.`,
        },
      });
    }
    if (cond.zonePair) {
      out.push({
        ...common(ALERTS.zonePairSlow),
        expr: cond.zonePair,
        annotations: {
          summary: `Flow ${name} is slow from zone {{ $labels.zone }} to zone {{ $labels.dest_zone }}`,
          description:
            `{{ $value | humanizePercentage }} of ${name} requests from zone {{ $labels.zone }} to pods in zone {{ $labels.dest_zone }} took longer than ${c.scope.latency.threshold} over the last ${b.short}, ` +
            `while fewer than half of the zone pairs are slow: the link between the two zones degraded.`,
        },
      });
    }
    return out;
  });
  return [...records, ...localized, ...alerts];
}

/** The `unless` a flow's page of this severity gets, so a localized fault pages once, by its place. */
export function unlessLocalized(model: Model, c: WhereClass, kind: 'errors' | 'latency', severity: string): string {
  if (!localizes(model) || severity !== 'page' || !pagePairs(model).length) return '';
  const rec = kind === 'errors' ? WHERE_RECORD.errorsLocalized : WHERE_RECORD.latencyLocalized;
  return `\nunless on (namespace, flow)\n${rec}${recordSelector(model, c)}`;
}
