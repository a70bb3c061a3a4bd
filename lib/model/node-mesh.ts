import type { FlowConfig } from '../config/schema';
import type { HttpRequestPlan } from './model';

/**
 * "Every node as a destination" (flow type `http-node-mesh`): a podinfo DaemonSet, one target pod per node,
 * behind a headless Service, and the peer bound of its sources. docs/flows.md, "Every node as a destination".
 */

/** The role (and `app.kubernetes.io/component` label) of the per-node podinfo. */
export const NODE_MESH_ROLE = 'node-mesh';

/** How a node-mesh flow picks and learns its peers; the script reads it from the flow's request. */
export interface NodeMeshPlan {
  /** The most destination nodes a source probes: ⌈√N⌉ of N known nodes, capped here. */
  readonly maxPeers: number;
  /** Every Nth request of the flow is a discovery request (`discoverUrl` on a new connection). */
  readonly discoverEvery: number;
  /** podinfo's /env through the headless Service: the answer's NODE_NAME and k6's remote_ip map a node to its pod IP. */
  readonly discoverUrl: string;
}

/** Whether a flow sends to the per-node podinfo. */
export function isNodeMesh(flow: { readonly type: string }): boolean {
  return flow.type === 'http-node-mesh';
}

/** Name of the per-node podinfo DaemonSet and of its headless Service. */
export function nodeMeshNames(instance: string): { workload: string; headless: string } {
  const workload = `${instance}-node-mesh`;
  return { workload, headless: `${workload}-headless` };
}

/**
 * The request of a node-mesh flow: keep-alive GETs of `flow.path` on the peers' pod IPs (the script puts
 * each peer's IP in place of the headless host of `url`), plus every `discoverEvery`th request to /env
 * through the headless name, on a new connection so that the cluster DNS picks the pod.
 */
export function nodeMeshRequest(flow: Extract<FlowConfig, { type: 'http-node-mesh' }>, headlessHost: string, podinfoUrl: (host: string, path: string) => string): HttpRequestPlan & { readonly mesh: NodeMeshPlan } {
  return {
    kind: 'http',
    method: 'GET',
    url: podinfoUrl(headlessHost, flow.path),
    expectedStatuses: [200],
    headers: {},
    freshConnection: false,
    body: null,
    expectBody: null,
    servedByUrl: null,
    mesh: { maxPeers: flow.maxPeers, discoverEvery: flow.discoverEvery, discoverUrl: podinfoUrl(headlessHost, '/env') },
  };
}

/** ⌈√N⌉ capped at maxPeers (and at N): how many destination nodes each source probes among N. */
export function peersPerSource(nodes: number, maxPeers: number): number {
  if (nodes <= 0) return 0;
  return Math.min(nodes, maxPeers, Math.ceil(Math.sqrt(nodes)));
}

/**
 * The peers a source probes: the `peersPerSource` nodes that follow the source's own node name in the sorted
 * list of destination nodes (its own node first when it runs a target pod), wrapping around. Every source
 * sorts the same names, so with a source on every node each destination is probed by exactly that many
 * sources, and every destination by at least one. The script has the same function (pickPeers); this one
 * states the counts in the docs and tests.
 */
export function pickPeers(destinations: readonly string[], self: string, maxPeers: number): string[] {
  const sorted = [...new Set(destinations)].sort();
  const k = peersPerSource(sorted.length, maxPeers);
  let start = sorted.findIndex((n) => n >= self);
  if (start < 0) start = 0;
  return Array.from({ length: k }, (_, j) => sorted[(start + j) % sorted.length] as string);
}

/**
 * What a user of node-mesh flows should know about a valid config: without an injector on every node not
 * every destination is probed, and without the statsd output no rule names the destination.
 */
export function nodeMeshWarnings(config: { readonly injector: { readonly mode: string; readonly replicas: number; readonly output: string }; readonly flows: readonly { readonly type: string; readonly name: string }[] }): string[] {
  const mesh = config.flows.filter(isNodeMesh).map((f) => f.name);
  if (!mesh.length) return [];
  const which = `http-node-mesh flow${mesh.length > 1 ? 's' : ''} ${mesh.join(', ')}`;
  const out: string[] = [];
  if (config.injector.mode !== 'daemonset') {
    out.push(
      `${which} with injector.mode '${config.injector.mode}': only ${config.injector.replicas} injector pod(s) probe, each ⌈√N⌉ nodes (at most maxPeers), so most nodes are not probed; set injector.mode: daemonset for every node as a source and a destination`,
    );
  }
  if (config.injector.output !== 'statsd') {
    out.push(`${which} with injector.output '${config.injector.output}': the alerts that name a destination node need the statsd output (its scrape adds the source node); the flow's own SLO alerts still work`);
  }
  return out;
}
