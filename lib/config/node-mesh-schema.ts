import { z } from 'zod';

/**
 * The `http-node-mesh` flow type: "every node as a destination". A podinfo DaemonSet puts a target pod on
 * every node; each injector pod probes the target pods of at most ⌈√N⌉ nodes (capped by `maxPeers`), picked
 * deterministically from its own node so that together the sources cover every node (docs/flows.md, "Every
 * node as a destination").
 *
 * Built by a function of schema.ts' building blocks (not imported from it) so that the two modules do not
 * import each other.
 */
export interface NodeMeshSchemaParts<C extends z.ZodRawShape> {
  readonly flowCommon: C;
  readonly path: (def: string) => z.ZodDefault<z.ZodString>;
}

/** The most peers a source may probe: dest_ip series grow with it (docs/performance.md, series budget). */
export const NODE_MESH_MAX_PEERS = 100;

export function nodeMeshFlowSchema<C extends z.ZodRawShape>(p: NodeMeshSchemaParts<C>) {
  return z
    .object({
      type: z
        .literal('http-node-mesh')
        .describe(
          'HTTP to a podinfo DaemonSet (a target pod on every node): each injector pod probes the pods of ⌈√N⌉ destination nodes (at most maxPeers) by pod IP over keep-alive connections, chosen from its own node so that together the sources cover every node.',
        ),
      ...p.flowCommon,
      path: p.path('/api/info').describe('Request path on podinfo.'),
      maxPeers: z
        .number()
        .int({ message: 'must be a whole number of destination nodes' })
        .min(1, { message: 'must be at least 1 destination node per source' })
        .max(NODE_MESH_MAX_PEERS, { message: `must be at most ${NODE_MESH_MAX_PEERS} destination nodes per source: each adds dest_ip series on every injector pod` })
        .default(10)
        .describe(
          'Destination nodes each source probes at most: ⌈√N⌉ of N nodes, capped here. Each peer adds one or two dest_ip series per injector pod; 10 keeps the flow within the budget of 40 series per injector pod and covers √N up to 100 nodes.',
        ),
      discoverEvery: z
        .number()
        .int({ message: 'must be a whole number of requests' })
        .min(2, { message: 'must be at least 2: every other request at most goes to discovery' })
        .max(1000, { message: 'must be at most 1000 requests' })
        .default(10)
        .describe(
          "Every Nth request goes through the headless Service name on a new connection, to podinfo's /env: it learns which pod IP serves which node, so new, replaced and removed nodes are followed.",
        ),
    })
    .strict();
}
