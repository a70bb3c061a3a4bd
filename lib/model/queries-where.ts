import { FlowScope, QueryScope } from './model';
import { DEST_IP_TAG, METRICS, SLI_HISTOGRAMS } from './metrics';
import { Matcher, errorSelectors, flowSelector, latencyHistogram, leMatcherParts, oneOf, requestSelectors, selector } from './queries';
import { isRemoteWrite } from './queries-rw';
import { isNodeMesh } from './node-mesh';

/**
 * PromQL that says where a flow breaks: by source node (the injector pod's node), by destination pod (the
 * pod IP a pod-direct request reached) and by zone pair. docs/flows.md, "Where it broke: node and zone",
 * explains the labels, their bounds and the paging policy.
 */

/** Recording-rule names of the localizing rules (`<level>:<metric>:<operation>`). */
export const WHERE_RECORD = {
  /** 1 per node and zone: kube-state-metrics' kube_node_labels, or the pod topology label our monitors copy. */
  nodeZone: 'cl:node_zone:info',
  /** 1 per target pod IP: dest_pod, dest_node and (when known) dest_zone, from kube_pod_info. */
  podIp: 'cl:pod_ip:info',
  nodeErrorRatio: (w: string) => `flow_node:cl_error_ratio:rate${w}`,
  nodeLatencyBadRatio: (w: string) => `flow_node:cl_latency_bad_ratio:rate${w}`,
  /** Failures after a connection existed (k6 knew the pod IP) per attempt, per destination pod. */
  destErrorRatio: (w: string) => `flow_dest:cl_error_ratio:rate${w}`,
  /** The share of its even share of requests a destination pod did not answer (connects that failed). */
  destMissingRatio: (w: string) => `flow_dest:cl_missing_ratio:rate${w}`,
  zonePairLatencyBadRatio: (w: string) => `flow_zone_pair:cl_latency_bad_ratio:rate${w}`,
  /** Slow share within one zone (`same`) or across zones (the dashboard's same- vs cross-zone panel). */
  zoneScopeLatencyBadRatio: (same: boolean, w: string) => `flow:cl_latency_bad_ratio_${same ? 'same' : 'cross'}_zone:rate${w}`,
  /** 1 per flow whose errors (latency) are localized to a minority of source nodes, destinations or zone pairs. */
  errorsLocalized: 'flow:cl_errors_localized:bool',
  latencyLocalized: 'flow:cl_latency_localized:bool',
} as const;

/** The kube-state-metrics series the rules join (KSM's names; `--metric-labels-allowlist=nodes=[topology.kubernetes.io/zone]`). */
export const KSM = { podInfo: 'kube_pod_info', nodeLabels: 'kube_node_labels', zoneLabel: 'label_topology_kubernetes_io_zone' } as const;

/** The label our PodMonitor and ServiceMonitor copy from a pod's `topology.kubernetes.io/zone` label. */
export const ZONE_LABEL = 'zone';
/** The label our ServiceMonitor copies from a podinfo pod's IP, so dest_ip maps to a pod without KSM. */
export const POD_IP_LABEL = 'pod_ip';

/** Labels a localizing alert may carry, and where each comes from. */
export const WHERE_LABELS = { node: 'node', zone: ZONE_LABEL, destIp: DEST_IP_TAG, destPod: 'dest_pod', destNode: 'dest_node', destZone: 'dest_zone' } as const;

const rename = (expr: string, to: string, from: string) => `label_replace(${expr}, "${to}", "$1", "${from}", "(.+)")`;

/**
 * Node → zone, from kube-state-metrics' kube_node_labels, or else from the `zone` label our monitors copy from
 * pods that carry topology labels (`up` of our injector and target pods).
 */
export function nodeZoneInfo(namespaces: readonly string[]): string {
  const ksm = `max by (node, ${ZONE_LABEL}) (${rename(`${KSM.nodeLabels}{${KSM.zoneLabel}!=""}`, ZONE_LABEL, KSM.zoneLabel)} * 0 + 1)`;
  const own = `max by (node, ${ZONE_LABEL}) (up${selector([['namespace', '=~', oneOf(namespaces)], [ZONE_LABEL, '!=', ''], ['node', '!=', '']])} * 0 + 1)`;
  return `${ksm}\nor on (node)\n${own}`;
}

/**
 * Target pod IP → dest_pod, dest_node (kube_pod_info in the target namespaces, or else the `pod_ip` label of
 * our podinfo scrape), with dest_zone where the node's zone is known (reads nodeZoneInfo's record).
 */
export function podIpInfo(namespaces: readonly string[]): string {
  const ns: Matcher = ['namespace', '=~', oneOf(namespaces)];
  const pods = (src: string, ip: string) => `max by (${DEST_IP_TAG}, dest_pod, dest_node) (${rename(rename(rename(src, DEST_IP_TAG, ip), 'dest_pod', 'pod'), 'dest_node', 'node')} * 0 + 1)`;
  const byIp = `(\n${pods(`${KSM.podInfo}${selector([ns, ['pod_ip', '!=', '']])}`, 'pod_ip')}\nor on (${DEST_IP_TAG})\n${pods(`up${selector([ns, [POD_IP_LABEL, '!=', '']])}`, POD_IP_LABEL)}\n)`;
  const destZone = rename(rename(WHERE_RECORD.nodeZone, 'dest_node', 'node'), 'dest_zone', ZONE_LABEL);
  return `${byIp} * on (dest_node) group_left (dest_zone) max by (dest_node, dest_zone) (${destZone})\nor on (${DEST_IP_TAG})\n${byIp}`;
}

/** A sum of per-second rates of several counters, kept apart by `by`, each term 0 while its series does not exist. */
function sumOfRatesBy(model: QueryScope, flow: FlowScope, selectors: readonly string[], by: readonly string[], window: string): string {
  const sum = `sum by (${by.join(', ')})`;
  if (selectors.length === 1) return `${sum} (rate(${selectors[0]}[${window}]))`;
  const zero = `0 * ${sum} (rate(${METRICS.iterations}${selector(flowSelector(model, flow))}[${window}]))`;
  return `(${selectors.map((s) => `(${sum} (rate(${s}[${window}])) or ${zero})`).join(' + ')})`;
}

const BY_NODE = ['namespace', 'flow', 'node'];

/** Error ratio (0..1) of a flow per source node: the same counters as the flow's SLI, kept apart by `node`. */
export function nodeErrorRatio(model: QueryScope, flow: FlowScope, window: string): string {
  return `${sumOfRatesBy(model, flow, errorSelectors(model, flow), BY_NODE, window)}\n/\n${sumOfRatesBy(model, flow, requestSelectors(model, flow), BY_NODE, window)}`;
}

/** Share (0..1) of a flow's requests slower than its threshold, per source node (the SLI histogram by `node`). */
export function nodeLatencyBadRatio(model: QueryScope, flow: FlowScope, window: string): string {
  const h = latencyHistogram(model, flow);
  const by = `sum by (${BY_NODE.join(', ')})`;
  if (isRemoteWrite(model)) {
    return `1 - (\n${by} (histogram_fraction(0, ${flow.latency.thresholdSeconds}, rate(${h.name}${selector(h.matchers)}[${window}])) * histogram_count(rate(${h.name}${selector(h.matchers)}[${window}])))\n/\n${by} (histogram_count(rate(${h.name}${selector(h.matchers)}[${window}])))\n)`;
  }
  const le: Matcher = ['le', ...leMatcherParts(flow.latency.thresholdSeconds)];
  return `1 - (\n${by} (rate(${h.name}_bucket${selector([...h.matchers, le])}[${window}]))\n/\n${by} (rate(${h.name}_count${selector(h.matchers)}[${window}]))\n)`;
}

/** Whether a flow class counts requests per destination pod (pod-direct HTTP flows, node-mesh flows). */
export function hasDestinations(flow: FlowScope): boolean {
  return flow.type === 'http-pod-direct' || isNodeMesh(flow);
}

const destSel = (model: QueryScope, flow: FlowScope, extra: Matcher[] = []) => `${METRICS.destRequests}${selector([...flowSelector(model, flow), ...extra])}`;
/** Destination IPs that name a pod (not `unknown`: a connect that failed; not `other`: past the cap). */
const KNOWN_DEST: Matcher = [DEST_IP_TAG, '!~', 'unknown|other'];
const BY_DEST = `sum by (namespace, flow, ${DEST_IP_TAG})`;

/** Failed per attempted request, per destination pod IP: failures after the connect, when k6 knew the IP. */
export function destErrorRatio(model: QueryScope, flow: FlowScope, window: string): string {
  return `${BY_DEST} (rate(${destSel(model, flow, [KNOWN_DEST, ['outcome', '=', 'failed']])}[${window}]))\n/\n${BY_DEST} (rate(${destSel(model, flow, [KNOWN_DEST])}[${window}]))`;
}

/**
 * How much of its even share a destination pod did not answer (0..1): 1 - its answered requests / (the flow's
 * requests / the number of target pods). A pod-direct flow takes the pods' IPs in turn (k6's dns `select:
 * roundRobin`), so each pod gets an even share of the attempts; a connect that fails carries no IP (`unknown`)
 * and shows up here, as the missing answers of the pod that refused it. Target pods are those kube_pod_info
 * (or our scrape) lists now, so a replaced pod's old IP does not count as missing.
 */
export function destMissingRatio(model: QueryScope, flow: FlowScope, window: string): string {
  const answered = `${BY_DEST} (rate(${destSel(model, flow, [KNOWN_DEST, ['outcome', '!=', 'failed']])}[${window}]))`;
  const current = `${answered} * on (${DEST_IP_TAG}) group_left () ${WHERE_RECORD.podIp}`;
  const all = `sum by (namespace, flow) (rate(${destSel(model, flow)}[${window}]))`;
  const pods = `count by (namespace, flow) (${current})`;
  return `clamp_min(1 - (\n${current}\n) / on (namespace, flow) group_left () (\n${all}\n/\n${pods}\n), 0)`;
}

/**
 * Share (0..1) of a pod-direct flow's answered requests slower than its threshold, per source zone and
 * destination zone (the script counts `slow` against the flow's threshold per request).
 */
export function zonePairLatencyBadRatio(model: QueryScope, flow: FlowScope, window: string): string {
  const by = 'namespace, flow, node, dest_ip';
  const pair = (extra: Matcher[]) =>
    `sum by (namespace, flow, ${ZONE_LABEL}, dest_zone) (\n  sum by (${by}) (rate(${destSel(model, flow, [KNOWN_DEST, ...extra])}[${window}]))\n  * on (node) group_left (${ZONE_LABEL}) ${WHERE_RECORD.nodeZone}\n  * on (${DEST_IP_TAG}) group_left (dest_zone) ${WHERE_RECORD.podIp}{dest_zone!=""}\n)`;
  // Pairs without a slow request have no `slow` series: 0, so every pair with traffic has a ratio.
  const answered = pair([['outcome', '!=', 'failed']]);
  return `(\n${pair([['outcome', '=', 'slow']])}\nor\n0 * ${answered}\n)\n/\n${answered}`;
}

/** `expr` with the source node's zone added where it is known (unchanged where not). */
export function withSourceZone(expr: string): string {
  return `(\n${expr}\n) * on (node) group_left (${ZONE_LABEL}) ${WHERE_RECORD.nodeZone}\nor on (namespace, flow, node)\n(\n${expr}\n)`;
}

/** `expr` (per dest_ip) with the destination pod, node and zone added where they are known. */
export function withDestination(expr: string): string {
  return `(\n${expr}\n) * on (${DEST_IP_TAG}) group_left (dest_pod, dest_node, dest_zone) ${WHERE_RECORD.podIp}\nor on (namespace, flow, ${DEST_IP_TAG})\n(\n${expr}\n)`;
}

/* ---- Dashboard: the "where" row. Cross-flow views filtered by the dashboard's variables. ---- */

/** Filters of the where row: exact namespace, regex on `flow` and on the source `node`. */
export interface WhereFilter {
  readonly namespace: string;
  readonly flow: string;
  readonly node: string;
}

const destView = (f: WhereFilter, extra: Matcher[] = []) =>
  `${METRICS.destRequests}${selector([['namespace', '=', f.namespace], ['flow', '=~', f.flow], ['node', '=~', f.node], KNOWN_DEST, ...extra])}`;

/** Per-second dest_reqs of an outcome matcher, with source zone and destination pod, node and zone joined. */
function destJoined(f: WhereFilter, extra: Matcher[], window: string): string {
  return (
    `sum by (namespace, flow, node, ${DEST_IP_TAG}) (rate(${destView(f, extra)}[${window}]))\n` +
    `* on (node) group_left (${ZONE_LABEL}) ${WHERE_RECORD.nodeZone}\n` +
    `* on (${DEST_IP_TAG}) group_left (dest_pod, dest_node, dest_zone) ${WHERE_RECORD.podIp}`
  );
}

/** Error ratio (failures after connecting) of pod-direct requests by `by` (e.g. node × dest_node, zone × dest_zone). */
export function whereErrorMatrix(f: WhereFilter, by: readonly string[], window: string): string {
  const sum = `sum by (${by.join(', ')})`;
  return `${sum} (\n${destJoined(f, [['outcome', '=', 'failed']], window)}\n)\n/\n${sum} (\n${destJoined(f, [], window)}\n)`;
}

/** The share of its even share each destination pod did not answer (refused or timed-out connects), per flow. */
export function whereMissingByPod(f: WhereFilter, window: string): string {
  return `max by (flow, dest_pod, dest_node) (\n${WHERE_RECORD.destMissingRatio(window)}${selector([['namespace', '=', f.namespace], ['flow', '=~', f.flow]])}\n* on (${DEST_IP_TAG}) group_left (dest_pod, dest_node) ${WHERE_RECORD.podIp}\n)`;
}

/** Slow share of pod-direct requests per source zone × destination zone (the zone-pair records), per flow. */
export function whereZoneSlowMatrix(f: WhereFilter, window: string): string {
  return `max by (${ZONE_LABEL}, dest_zone) (${WHERE_RECORD.zonePairLatencyBadRatio(window)}${selector([['namespace', '=', f.namespace], ['flow', '=~', f.flow]])})`;
}

/**
 * Slow share of a pod-direct flow's answered requests within one zone (`same`) or across zones. For the
 * recording rules `WHERE_RECORD.zoneScopeLatencyBadRatio`: it compares two labels with label_replace, whose
 * `$1` Grafana would read as a variable, so the dashboard reads the record.
 */
export function zoneScopeLatencyBadRatio(model: QueryScope, flow: FlowScope, same: boolean, window: string): string {
  const pairs = (extra: Matcher[]) =>
    `sum by (namespace, flow, ${ZONE_LABEL}, dest_zone) (\n  sum by (namespace, flow, node, ${DEST_IP_TAG}) (rate(${destSel(model, flow, [KNOWN_DEST, ...extra])}[${window}]))\n  * on (node) group_left (${ZONE_LABEL}) ${WHERE_RECORD.nodeZone}\n  * on (${DEST_IP_TAG}) group_left (dest_zone) ${WHERE_RECORD.podIp}{dest_zone!=""}\n)`;
  // zone == dest_zone: the pair matches itself with dest_zone overwritten by zone.
  const keep = (e: string) =>
    `sum by (namespace, flow) (\n${e}\n${same ? 'and' : 'unless'} on (namespace, flow, ${ZONE_LABEL}, dest_zone)\nlabel_replace(group by (namespace, flow, ${ZONE_LABEL}) (${e}), "dest_zone", "$1", "${ZONE_LABEL}", "(.*)")\n)`;
  const answered = pairs([['outcome', '!=', 'failed']]);
  const slow = `(${pairs([['outcome', '=', 'slow']])}\nor\n0 * ${answered})`;
  return `${keep(slow)}\n/\n${keep(answered)}`;
}

/** Same-zone and cross-zone slow shares per flow (the records of zoneScopeLatencyBadRatio). */
export function whereSameVsCrossZone(f: WhereFilter, same: boolean, window: string): string {
  return `max by (flow) (${WHERE_RECORD.zoneScopeLatencyBadRatio(same, window)}${selector([['namespace', '=', f.namespace], ['flow', '=~', f.flow]])})`;
}

/** A latency quantile per flow and source zone, from each flow's SLI histogram. */
export function whereQuantileByZone(f: WhereFilter, q: number, window: string): string {
  const sel = selector([['__name__', '=~', SLI_HISTOGRAMS.map((h) => `${h}_bucket`).join('|')], ['namespace', '=', f.namespace], ['flow', '=~', f.flow], ['node', '=~', f.node]]);
  return `histogram_quantile(${q}, sum by (flow, ${ZONE_LABEL}, le) (\nsum by (flow, node, le) (rate(${sel}[${window}]))\n* on (node) group_left (${ZONE_LABEL}) ${WHERE_RECORD.nodeZone}\n))`;
}
