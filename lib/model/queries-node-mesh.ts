import { FlowScope, QueryScope } from './model';
import { DEST_IP_TAG, METRICS } from './metrics';
import { Matcher, flowSelector, selector } from './queries';
import { isNodeMesh } from './node-mesh';

/**
 * PromQL of node-mesh flows (every node as a destination, docs/flows.md). Each source probes only ⌈√N⌉
 * destination nodes, so a broken destination fails a few sources' requests in part, and a broken source
 * fails a few destinations' requests in part: looked at alone, each fault looks like the other. The
 * (source node, destination pod) pair tells them apart: a broken destination fails from most of the
 * sources that probe it, a broken source fails to most of its peers.
 */

/** Recording rule: error ratio per source node and destination pod IP (node-mesh flows only). */
export const MESH_PAIR_RECORD = (w: string) => `flow_pair:cl_error_ratio:rate${w}`;

/** Whether a flow class is a node-mesh one (its source-node and destination alerts read pairs). */
export const meshScope = (flow: FlowScope): boolean => isNodeMesh(flow);

/** Failed per attempted request, per source node and destination pod IP (the IP dialled: connects that fail count). */
export function meshPairErrorRatio(model: QueryScope, flow: FlowScope, window: string): string {
  const by = `sum by (namespace, flow, node, ${DEST_IP_TAG})`;
  const sel = (extra: Matcher[]) => `${METRICS.destRequests}${selector([...flowSelector(model, flow), ...extra])}`;
  const all = `${by} (rate(${sel([])}[${window}]))`;
  // A pair without failures has no `failed` series: 0, so every pair with traffic has a ratio (and counts).
  return `(\n${by} (rate(${sel([['outcome', '=', 'failed']])}[${window}]))\nor\n0 * ${all}\n)\n/\n${all}`;
}

/**
 * Destination pods that fail from more than half of the sources probing them (`sel`: the class's recorded
 * series matchers, `threshold`: the error ratio above which a pair fails).
 */
export function meshDestFailsFromMostSources(sel: string, w: string, threshold: number): string {
  const pairs = `${MESH_PAIR_RECORD(w)}${sel}`;
  const by = `count by (namespace, flow, ${DEST_IP_TAG})`;
  return `(${by} (${pairs} > ${threshold}) * 2 > ${by} (${pairs}))`;
}

/** Source nodes with a failing pair to a destination that `destCond` names (their failures are its). */
export function meshSourcesOfFailingDest(sel: string, w: string, threshold: number, destCond: string): string {
  return `group by (namespace, flow, node) (\n${MESH_PAIR_RECORD(w)}${sel} > ${threshold}\nand on (namespace, flow, ${DEST_IP_TAG})\n(\n${destCond}\n)\n)`;
}
