import type { Config, FlowConfig } from '../config/schema';
import type { EdgeFlowType } from '../config/edge-schema';
import type { GrpcRequestPlan, HttpRequestPlan } from './model';

/** An edge flow as the config holds it. */
export type EdgeFlowConfig = Extract<FlowConfig, { type: EdgeFlowType }>;

/** Whether a flow goes through the cluster's edge (an Ingress controller or a Gateway). */
export function isEdgeFlow(flow: FlowConfig): flow is EdgeFlowConfig {
  return flow.type === 'ingress' || flow.type === 'gateway-http' || flow.type === 'gateway-grpc';
}

/** The Gateway a route attaches to (Gateway API `parentRefs`). */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** The pods of the edge's data plane (tenant-perspective NetworkPolicies), when the config names them. */
export interface EdgeProxy {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
}

/** One route we synthesize for an edge flow, pointing at the main target's Service. */
export interface EdgeRouteModel {
  /** The flow that tests this route. */
  readonly flow: string;
  readonly kind: 'Ingress' | 'HTTPRoute' | 'GRPCRoute';
  readonly name: string;
  readonly namespace: string;
  /** The host the route matches; the flow's requests carry it (Host header, or the dialled gRPC authority). */
  readonly hostname: string;
  /**
   * Paths matched exactly (HTTP): the flow's path only. Not podinfo's /env (served-by sampling): an edge
   * may face the internet, and /env lists the pod's environment.
   */
  readonly paths: readonly string[];
  readonly ingressClassName?: string;
  readonly gateway?: GatewayRef;
  readonly backend: { readonly serviceName: string; readonly namespace: string; readonly port: number };
  /** Where requests go: the edge's address (`scheme://host[:port]`). */
  readonly address: string;
  /** The address's port (the scheme's default when the URL has none). */
  readonly addressPort: number;
  readonly proxy?: EdgeProxy;
}

/** A ReferenceGrant in the backend's namespace: routes of other namespaces may reference the target Service. */
export interface ReferenceGrantModel {
  readonly name: string;
  /** The backend's namespace (where a ReferenceGrant must live). */
  readonly namespace: string;
  readonly from: readonly { readonly kind: 'HTTPRoute' | 'GRPCRoute'; readonly namespace: string }[];
  readonly serviceName: string;
}

export interface EdgeModel {
  readonly routes: readonly EdgeRouteModel[];
  readonly referenceGrants: readonly ReferenceGrantModel[];
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The port of an edge address; gRPC addresses always name theirs (schema). */
export function addressPort(address: string): number {
  const u = new URL(address);
  return u.port ? Number(u.port) : (DEFAULT_PORTS[u.protocol] ?? 80);
}

/** `scheme://host[:port]` of an address (URL.origin is 'null' for the non-special grpc:// schemes). */
function addressOrigin(address: string): string {
  const u = new URL(address);
  return `${u.protocol}//${u.host}`;
}

/** The host an edge flow's requests carry and its route matches. */
export function edgeHostname(config: Pick<Config, 'name'>, flow: EdgeFlowConfig): string {
  // k6 v0.54.0 js/modules/k6/grpc/client.go (Client.Connect) dials `addr` with no authority option, and
  // grpc-go v1.65.0 internal/transport/http2_client.go (createHeaderFields) skips ':'-prefixed metadata:
  // the :authority a gRPC flow sends is the dialled host, so that host is what the route must match.
  if (flow.type === 'gateway-grpc') return new URL(flow.address).hostname;
  // `.invalid` never resolves (RFC 2606): only the edge reads this name, from the Host header.
  return flow.host ?? `${flow.name}.${config.name}.continuous-load.invalid`;
}

/** The target Service ports a route sends to. */
export interface EdgeBackend {
  readonly serviceName: string;
  readonly namespace: string;
  readonly ports: { readonly http: number; readonly grpc: number };
}

/**
 * The routes and ReferenceGrants of the config's edge flows. Every route points at `backend` (the main
 * target); a route in another namespace than the backend needs a ReferenceGrant beside the backend.
 */
export function edgeModel(config: Config, backend: EdgeBackend): EdgeModel {
  const routes = config.flows.filter(isEdgeFlow).map((flow): EdgeRouteModel => {
    const port = addressPort(flow.address);
    const proxy = flow.proxy ? { namespace: flow.proxy.namespace, podLabels: { ...flow.proxy.podLabels }, ports: flow.proxy.ports ?? [port] } : undefined;
    const common = {
      flow: flow.name,
      name: `${config.name}-${flow.name}`,
      hostname: edgeHostname(config, flow),
      address: addressOrigin(flow.address),
      addressPort: port,
      ...(proxy ? { proxy } : {}),
    };
    const httpPaths = (p: string) => [p];
    const backendOf = (namespace: string, port: number) => ({ serviceName: backend.serviceName, namespace, port });
    switch (flow.type) {
      case 'ingress':
        // An Ingress can only reference Services of its own namespace: it lives beside the target.
        return {
          ...common,
          kind: 'Ingress',
          namespace: backend.namespace,
          paths: httpPaths(flow.path),
          ingressClassName: flow.ingressClassName,
          backend: backendOf(backend.namespace, backend.ports.http),
        };
      case 'gateway-http':
      case 'gateway-grpc': {
        const namespace = flow.routeNamespace ?? backend.namespace;
        const gateway: GatewayRef = {
          name: flow.gateway.name,
          namespace: flow.gateway.namespace ?? namespace,
          ...(flow.gateway.sectionName ? { sectionName: flow.gateway.sectionName } : {}),
          ...(flow.gateway.port ? { port: flow.gateway.port } : {}),
        };
        return flow.type === 'gateway-http'
          ? { ...common, kind: 'HTTPRoute', namespace, paths: httpPaths(flow.path), gateway, backend: backendOf(backend.namespace, backend.ports.http) }
          : { ...common, kind: 'GRPCRoute', namespace, paths: [], gateway, backend: backendOf(backend.namespace, backend.ports.grpc) };
      }
    }
  });
  return { routes, referenceGrants: referenceGrants(config, routes) };
}

/** One ReferenceGrant per backend namespace that routes of other namespaces reference. */
function referenceGrants(config: Config, routes: readonly EdgeRouteModel[]): ReferenceGrantModel[] {
  const byBackend = new Map<string, { serviceName: string; from: Map<string, { kind: 'HTTPRoute' | 'GRPCRoute'; namespace: string }> }>();
  for (const r of routes) {
    if (r.kind === 'Ingress' || r.namespace === r.backend.namespace) continue;
    const key = `${r.backend.namespace}/${r.backend.serviceName}`;
    const entry = byBackend.get(key) ?? { serviceName: r.backend.serviceName, from: new Map() };
    entry.from.set(`${r.kind}/${r.namespace}`, { kind: r.kind, namespace: r.namespace });
    byBackend.set(key, entry);
  }
  return [...byBackend.entries()].map(([key, e]) => ({
    name: `${config.name}-edge-routes`,
    namespace: key.split('/')[0],
    serviceName: e.serviceName,
    from: [...e.from.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind)),
  }));
}

/**
 * What an edge flow sends (`grpcMethod`: the flow's method with its leading '/'): to the edge's address, with the route's host. HTTP flows set the Host header
 * (k6 v0.54.0 js/modules/k6/http/request.go (parseRequest, "headers"): a `Host` header becomes the
 * request's Host); gRPC flows dial the route's hostname, which k6 sends as :authority.
 */
export function edgeRequest(config: Pick<Config, 'name'>, flow: EdgeFlowConfig, grpcMethod: string): HttpRequestPlan | GrpcRequestPlan {
  const origin = addressOrigin(flow.address);
  if (flow.type === 'gateway-grpc') {
    const u = new URL(flow.address);
    return {
      kind: 'grpc',
      target: u.host,
      plaintext: u.protocol === 'grpc:',
      healthService: flow.healthService,
      method: grpcMethod,
      message: {},
      expectedStatuses: [0],
      metadata: {},
    };
  }
  return {
    kind: 'http',
    method: 'GET',
    url: `${origin}${flow.path}`,
    expectedStatuses: [200],
    headers: { Host: edgeHostname(config, flow) },
    freshConnection: !flow.connectionReuse,
    body: null,
    expectBody: null,
    // No served-by sampling through the edge: its route does not expose /env (see EdgeRouteModel.paths).
    servedByUrl: null,
  };
}
