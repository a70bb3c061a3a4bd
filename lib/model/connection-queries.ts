import { METRICS } from './metrics';
import { QueryScope } from './model';
import { labelSelector, matchers } from './queries';

/**
 * PromQL over the script's `k6_connection_broken_total`: established connections the injector's VUs lost
 * (a keep-alive HTTP request that had to dial again, a gRPC RPC that found its connection UNAVAILABLE).
 * The script creates the series at 0 once a VU of the flow has a working connection; fresh-connection
 * flows never do, and for them (and a pod that just started) `0 * increase(iterations)` gives the zero.
 */

/** Labels the counts keep: the flow and the source (injector) pod and node. */
const BY_SOURCE = 'sum by (namespace, flow, pod, node)';

/** Broken connections per flow and source node over `window`; the panel's query (variables allowed). */
export function brokenConnections(ns: string, flowRe: string, nodeRe: string, window: string): string {
  const sel = labelSelector({ namespace: ns }, { flow: flowRe, node: nodeRe });
  return (
    `sum by (flow, node) (increase(${METRICS.connectionBroken}${sel}[${window}]))\n` +
    `or\n0 * sum by (flow, node) (increase(${METRICS.iterations}${sel}[${window}]))`
  );
}

/** The burst alert's expression: at least `min` connections of one flow broken on one source pod within `window`. */
export function brokenConnectionsBurst(model: QueryScope, window: string, min: number): string {
  return `${BY_SOURCE} (increase(${METRICS.connectionBroken}${matchers({ namespace: model.namespace })}[${window}])) >= ${min}`;
}
