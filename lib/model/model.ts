import { Config, FlowConfig, Objectives } from '../config/schema';
import { toSeconds } from './duration';
import { EdgeModel, edgeModel, edgeRequest } from './edge';
import { BASE_BUCKETS } from './metrics';
import { NODE_MESH_ROLE, NodeMeshPlan, nodeMeshNames, nodeMeshRequest } from './node-mesh';
import { round } from './numbers';

/** Ports podinfo listens on; fixed by the podinfo args we render. */
export const PODINFO_PORTS = { http: 9898, grpc: 9999, metrics: 9797 } as const;
/** Ports of the injector pod. */
export const INJECTOR_PORTS = { statsdUdp: 9125, statsdMetrics: 9102, k6Api: 6565 } as const;

export interface HttpRequestPlan {
  readonly kind: 'http';
  readonly method: string;
  readonly url: string;
  readonly expectedStatuses: readonly number[];
  readonly headers: Readonly<Record<string, string>>;
  /** A new DNS lookup and TCP connection for every request (a per-request `Connection: close`). */
  readonly freshConnection: boolean;
  /** Request body, or null for none. */
  readonly body: string | null;
  /** A text the response body must contain (read as text); null: the body is discarded unread. */
  readonly expectBody: string | null;
  /** podinfo's `/env` on the same host and port: sampled requests go there to learn the serving node; null: no attribution. */
  readonly servedByUrl: string | null;
  /** Node-mesh flows only: the peer bound and how the script learns the nodes' pod IPs (node-mesh.ts). */
  readonly mesh?: NodeMeshPlan;
}

export interface GrpcRequestPlan {
  readonly kind: 'grpc';
  /** `host:port` the client connects to (once per VU, then reused). */
  readonly target: string;
  /** No TLS (h2c). */
  readonly plaintext: boolean;
  /** When set, `grpc.health.v1.Health/Check` with this service is called in turn with `method`; the answer must be SERVING. */
  readonly healthService: string | null;
  /** A unary method with a leading '/', e.g. `/version.VersionService/Version`; null: only the health check. */
  readonly method: string | null;
  /** Request message of `method`. */
  readonly message: Readonly<Record<string, unknown>>;
  /** gRPC status codes that count as success (0 = OK). */
  readonly expectedStatuses: readonly number[];
  readonly metadata: Readonly<Record<string, string>>;
}

export type RequestPlan = HttpRequestPlan | GrpcRequestPlan;

/** The gRPC health-check method (grpc.health.v1). */
export const GRPC_HEALTH_CHECK = '/grpc.health.v1.Health/Check';
/** Body the chain flow posts; the frontend answers with the backend's echo of it. */
const CHAIN_PROBE = 'continuous-load-chain-probe';

/** A flow with every default and objective resolved: what every builder consumes. */
export interface ResolvedFlow {
  readonly name: string;
  readonly type: FlowConfig['type'];
  /** Requests per second per injector pod. */
  readonly rate: number;
  readonly timeout: string;
  readonly timeoutSeconds: number;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  /** Availability objective as a ratio, e.g. 0.9995. */
  readonly availability: number;
  readonly latency: {
    readonly threshold: string;
    readonly thresholdSeconds: number;
    /** Latency objective as a ratio of requests faster than the threshold. */
    readonly target: number;
  };
  readonly request: RequestPlan;
}

/**
 * Flows that every SLI query, alert threshold and dashboard panel treats alike: equal in everything of a
 * flow those read except the name (see `monitoringKey`). Queries take a `FlowScope` and select the class's
 * flows with one `flow=~"a|b|c"` matcher; per-flow results come from their `sum by (namespace, flow)`.
 */
export interface FlowClass extends Omit<ResolvedFlow, 'name'> {
  /** `class-<n>`, n counting classes from 1 in config order; stable while the config's order is. */
  readonly id: string;
  /** The flows of the class, in config order (at least one). */
  readonly flows: readonly ResolvedFlow[];
}

/** One flow, or a class of flows alike: what a query selects. */
export type FlowScope = ResolvedFlow | FlowClass;

/** The names of the flows a scope selects. */
export function scopeFlowNames(scope: FlowScope): string[] {
  return 'flows' in scope ? scope.flows.map((f) => f.name) : [scope.name];
}

/**
 * What rules and dashboard read of a flow besides its name. Two flows with the same key share a class.
 * Whoever makes a rule, rule test or panel read another field of a flow must add that field here.
 */
function monitoringKey(flow: ResolvedFlow): string {
  const r = flow.request;
  return JSON.stringify([
    flow.type,
    flow.rate,
    flow.timeoutSeconds,
    flow.availability,
    flow.latency.threshold,
    flow.latency.thresholdSeconds,
    flow.latency.target,
    r.kind,
    r.expectedStatuses,
    r.kind === 'http' ? r.freshConnection : null,
  ]);
}

/** Groups flows by `monitoringKey`, classes ordered by their first flow. */
export function flowClasses(flows: readonly ResolvedFlow[]): FlowClass[] {
  const byKey = new Map<string, ResolvedFlow[]>();
  for (const f of flows) {
    const k = monitoringKey(f);
    const list = byKey.get(k);
    if (list) list.push(f);
    else byKey.set(k, [f]);
  }
  return [...byKey.values()].map((members, i) => {
    const { name: _name, ...shared } = members[0];
    return { ...shared, id: `class-${i + 1}`, flows: members };
  });
}

interface WorkloadModel {
  readonly name: string;
  /** Labels on the workload and its pods (include the selector). */
  readonly labels: Readonly<Record<string, string>>;
  /** Stable selector labels: no construct-path hashes, so Deployment selectors never change. */
  readonly selector: Readonly<Record<string, string>>;
}

/** One podinfo Deployment with its Services. */
export interface TargetModel extends WorkloadModel {
  /** `target`: the main target; `backend`: the chain's backend; `remote`: a cross-namespace target; `node-mesh`: a pod per node (DaemonSet). */
  readonly role: 'target' | 'backend' | 'remote' | typeof NODE_MESH_ROLE;
  /** One pod per node (a DaemonSet; `replicas` does not apply). */
  readonly perNode?: boolean;
  readonly namespace: string;
  readonly replicas: number;
  readonly serviceName: string;
  /** Host name of the ClusterIP Service as our pods resolve it: `<service>` in our namespace, `<service>.<namespace>` elsewhere. */
  readonly serviceHost: string;
  /** The headless Service (pod-direct flows), when some flow needs it. */
  readonly headless?: { readonly name: string; readonly host: string };
  /** podinfo `--backend-url` (the chain's second hop), when some flow needs it. */
  readonly backendUrl?: string;
  readonly image: string;
  readonly resources: Resources;
}

/** CPU and memory requests and limits of a container, as Kubernetes quantities. */
export type Resources = Config['target']['resources'];

/** The objectives every flow shares (availability and latency are resolved per flow). */
export type SharedObjectives = Pick<Objectives, 'period' | 'burnRates' | 'traffic' | 'saturation'>;

export interface Model {
  readonly name: string;
  readonly namespace: string;
  /** Labels on every object we synthesize. */
  readonly commonLabels: Readonly<Record<string, string>>;
  /** The main podinfo target (the chain's frontend). */
  readonly target: TargetModel;
  /** Every podinfo Deployment: the main target, the chain backend, remote-namespace targets. */
  readonly targets: readonly TargetModel[];
  /** Namespaces of cross-namespace targets (not ours). */
  readonly remoteNamespaces: readonly string[];
  readonly injector: WorkloadModel & {
    readonly mode: 'deployment' | 'daemonset';
    readonly k6Version: SemVer;
    readonly statsdExporterName: string;
    /** How k6 exports metrics (`injector.output`). */
    readonly output: 'statsd' | 'prometheus-rw';
    /** Remote-write endpoint (prometheus-rw only). */
    readonly remoteWriteUrl?: string;
    /** How often k6 pushes to `remoteWriteUrl` (prometheus-rw only). */
    readonly remoteWritePushInterval: string;
    /** Replicas in `deployment` mode. */
    readonly replicas: number;
    readonly image: string;
    readonly resources: Resources;
    readonly statsdExporter: { readonly image: string; readonly resources: Resources };
    /** Served-by attribution: every `sampleEvery`th request asks the serving node (0: off), at most `maxNodes` values. */
    readonly servedBy: { readonly sampleEvery: number; readonly maxNodes: number };
    /** Destination attribution of pod-direct flows: the cap on distinct dest_ip values per VU. */
    readonly destinations: { readonly maxPods: number };
  };
  readonly flows: readonly ResolvedFlow[];
  /**
   * The flows grouped into classes that alerting and the dashboard treat alike (same `monitoringKey`), in
   * order of their first flow. A class of one flow is monitored exactly as that flow alone; a class of many
   * gets one rule group and one repeated dashboard row, so 500 flows of one kind cost little more than one.
   */
  readonly flowClasses: readonly FlowClass[];
  readonly objectives: SharedObjectives;
  /** Histogram buckets of the statsd-exporter mapping; include every flow's latency threshold. */
  readonly buckets: readonly number[];
  readonly monitoring: {
    readonly mode: 'demo' | 'existing';
    /** Labels our ServiceMonitor, PodMonitor and PrometheusRule carry so that Prometheus selects them. */
    readonly selectorLabels: Readonly<Record<string, string>>;
    /** Labels of the Grafana instance our dashboard objects select. */
    readonly grafanaInstanceLabels: Readonly<Record<string, string>>;
    readonly datasource: { readonly name: string; readonly uid: string };
    /** kube-system workloads whose rollouts the dashboard marks, besides the defaults (change-queries.ts). */
    readonly kubeSystemWorkloads: readonly string[];
    readonly prometheusName: string;
    readonly grafanaName: string;
    /** Demo mode: the bundled Prometheus and Grafana. */
    readonly demo: Config['monitoring']['demo'];
    /** Existing mode: the namespace of kube-prometheus-stack, whose Prometheus scrapes us. */
    readonly existingNamespace: string;
  };
  /** Tenant-perspective hardening: whether NetworkPolicies are written, and the peers they allow. */
  readonly security: Config['security'];
  /** The routes (Ingress, HTTPRoute, GRPCRoute) of edge flows, and the ReferenceGrants they need. */
  readonly edge: EdgeModel;
}

/**
 * What a query reads of the model: the namespace its series live in, the names of the workloads behind
 * them, the objectives that set thresholds. Rules query the model's namespace; the dashboard queries
 * Grafana's `$namespace` variable (`queryScope(model, '$namespace')`), so one dashboard serves several installs.
 */
export type QueryScope = Pick<Model, 'namespace' | 'injector' | 'target' | 'objectives'>;

/** The query scope of a model, in its namespace or in another (a dashboard variable). */
export function queryScope(model: Model, namespace: string = model.namespace): QueryScope {
  return { namespace, injector: model.injector, target: model.target, objectives: model.objectives };
}

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The tag of an image reference (`repo:tag[@digest]`). */
export function imageTag(image: string): string {
  const noDigest = image.split('@')[0];
  return noDigest.slice(noDigest.lastIndexOf(':') + 1);
}

/** Parses `0.54.0`, `v0.54.0` or `1.2` into a version; undefined for non-version tags such as `latest`. */
export function parseVersion(tag: string): SemVer | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function versionAtLeast(v: SemVer, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** Default VUs: enough for the rate at the latency objective (preallocated) and at the timeout (max). */
export function defaultVUs(rate: number, thresholdSeconds: number, timeoutSeconds: number) {
  // Whole numbers (k6 decodes preAllocatedVUs and maxVUs into null.Int); rounded before the ceiling, so a
  // fractional rate's float noise (0.7 × 10 = 7.000000000000001) does not add a VU.
  const ceil = (x: number) => Math.ceil(round(x));
  const preAllocatedVUs = Math.max(2, ceil(rate * thresholdSeconds * 2));
  const maxVUs = Math.max(preAllocatedVUs, ceil(rate * timeoutSeconds));
  return { preAllocatedVUs, maxVUs };
}

/** Where flows send their requests: host names of the targets. */
interface FlowTargets {
  readonly service: string;
  readonly headless: string;
  readonly remote: (flow: { namespace?: string }) => string;
  /** The per-node podinfo's headless Service (node-mesh flows). */
  readonly nodeMesh: string;
}

const podinfoUrl = (host: string, path: string) => `http://${host}:${PODINFO_PORTS.http}${path}`;

function resolveRequest(config: Config, flow: FlowConfig, hosts: FlowTargets): RequestPlan {
  const sampled = config.injector.servedBy.sampleEvery > 0;
  const http = (host: string, path: string, freshConnection: boolean): HttpRequestPlan => ({
    kind: 'http',
    method: 'GET',
    url: podinfoUrl(host, path),
    expectedStatuses: [200],
    headers: {},
    freshConnection,
    body: null,
    expectBody: null,
    servedByUrl: sampled ? podinfoUrl(host, '/env') : null,
  });
  switch (flow.type) {
    case 'http-service':
      return http(hosts.service, flow.path, !flow.connectionReuse);
    case 'http-fresh':
      return http(hosts.service, flow.path, true);
    case 'http-pod-direct':
      // No served-by sampling: the script counts every request of a pod-direct flow per destination pod IP
      // (k6_dest_requests_total), which names the pod (and through kube_pod_info its node) of failures too.
      return { ...http(hosts.headless, flow.path, !flow.connectionReuse), servedByUrl: null };
    case 'cross-namespace':
      return http(hosts.remote(flow), flow.path, !flow.connectionReuse);
    case 'http-node-mesh':
      return nodeMeshRequest(flow, hosts.nodeMesh, podinfoUrl);
    case 'chain':
      return {
        kind: 'http',
        method: 'POST',
        url: podinfoUrl(hosts.service, '/api/echo'),
        expectedStatuses: [200],
        headers: { 'Content-Type': 'text/plain' },
        freshConnection: !flow.connectionReuse,
        body: CHAIN_PROBE,
        // The frontend answers 200 even when the backend fails; only the echoed probe proves both hops.
        expectBody: CHAIN_PROBE,
        servedByUrl: null,
      };
    case 'grpc':
      return {
        kind: 'grpc',
        target: `${hosts.service}:${PODINFO_PORTS.grpc}`,
        plaintext: true,
        healthService: flow.healthService,
        method: withSlash(flow.method),
        message: {},
        expectedStatuses: [0],
        metadata: {},
      };
    case 'custom': {
      const url = new URL(flow.url);
      if (flow.protocol === 'grpc') {
        const method = withSlash(flow.method ?? GRPC_HEALTH_CHECK);
        return {
          kind: 'grpc',
          // For grpc:// and grpcs:// (non-special schemes) `host` is `host:port` as written.
          target: url.host,
          plaintext: url.protocol === 'grpc:',
          healthService: null,
          method,
          message: flow.body === undefined ? {} : (JSON.parse(flow.body) as Record<string, unknown>),
          expectedStatuses: flow.expectedStatuses ?? [0],
          metadata: { ...flow.headers },
        };
      }
      return {
        kind: 'http',
        method: flow.method ?? 'GET',
        url: flow.url,
        expectedStatuses: flow.expectedStatuses ?? [200],
        headers: { ...flow.headers },
        freshConnection: !flow.connectionReuse,
        body: flow.body ?? null,
        expectBody: null,
        servedByUrl: null,
      };
    }
    case 'ingress':
    case 'gateway-http':
      return edgeRequest(config, flow, '');
    case 'gateway-grpc':
      return edgeRequest(config, flow, withSlash(flow.method));
  }
}

const withSlash = (method: string) => (method.startsWith('/') ? method : `/${method}`);

/** Resolves one flow: defaults, objectives as ratios, VUs and the request it sends. */
function resolveFlow(config: Config, flow: FlowConfig, hosts: FlowTargets): ResolvedFlow {
  const latency = flow.objectives?.latency ?? config.objectives.latency;
  const availability = flow.objectives?.availability ?? config.objectives.availability;
  const thresholdSeconds = toSeconds(latency.threshold);
  const timeoutSeconds = toSeconds(flow.timeout);
  const vus = defaultVUs(flow.rate, thresholdSeconds, timeoutSeconds);
  return {
    name: flow.name,
    type: flow.type,
    rate: flow.rate,
    timeout: flow.timeout,
    timeoutSeconds,
    preAllocatedVUs: flow.preAllocatedVUs ?? Math.min(vus.preAllocatedVUs, flow.maxVUs ?? Infinity),
    maxVUs: flow.maxVUs ?? Math.max(vus.maxVUs, flow.preAllocatedVUs ?? 0),
    availability: round(availability / 100),
    latency: { threshold: latency.threshold, thresholdSeconds, target: round(latency.target / 100) },
    request: resolveRequest(config, flow, hosts),
  };
}

/** Namespace of a cross-namespace flow's target. */
export function remoteNamespace(config: Config, flow: { namespace?: string }): string {
  return flow.namespace ?? `${config.namespace}-remote`;
}

/** The Service the Prometheus Operator creates beside every Prometheus, and its port. */
const PROMETHEUS_OPERATED = { service: 'prometheus-operated', port: 9090 } as const;

/**
 * Where k6 remote-writes: the configured URL, else the operator's `prometheus-operated` Service, by short
 * name in demo mode (same namespace) and by namespace-qualified name in existing-stack mode.
 */
export function remoteWriteUrl(config: Config): string {
  if (config.injector.remoteWrite.url) return config.injector.remoteWrite.url;
  const { service, port } = PROMETHEUS_OPERATED;
  const host = config.monitoring.mode === 'demo' ? service : `${service}.${config.monitoring.existing.namespace}.svc`;
  return `http://${host}:${port}/api/v1/write`;
}

/** Resolves a validated config into the model every builder reads. Pure: no I/O, no clock. */
export function buildModel(config: Config): Model {
  const partOf = { 'app.kubernetes.io/part-of': 'continuous-load', 'app.kubernetes.io/instance': config.name };
  const commonLabels = { ...config.labels, ...partOf, 'app.kubernetes.io/managed-by': 'cdk8s' };
  const workload = (name: string, component: string, appName: string): WorkloadModel => {
    const selector = { ...partOf, 'app.kubernetes.io/name': appName, 'app.kubernetes.io/component': component };
    return { name, selector, labels: { ...commonLabels, ...selector } };
  };
  const types = new Set(config.flows.map((f) => f.type));
  // Our own Services by their short name: the injector and podinfo run in our namespace, where the pod's
  // first DNS search domain (<namespace>.svc.cluster.local) completes it on the first query, and the plan
  // and podinfo args stay namespace-agnostic, so a kustomize namespace override needs no string rewriting.
  const svcHost = (service: string, namespace: string) => (namespace === config.namespace ? service : `${service}.${namespace}`);
  const podinfoTarget = (role: TargetModel['role'], name: string, namespace: string, extra: Partial<TargetModel> = {}): TargetModel => ({
    ...workload(name, role, 'podinfo'),
    role,
    namespace,
    replicas: config.target.replicas,
    image: config.target.image,
    resources: config.target.resources,
    serviceName: name,
    serviceHost: svcHost(name, namespace),
    ...extra,
  });
  const targetName = `${config.name}-target`;
  const backend = types.has('chain') ? podinfoTarget('backend', `${config.name}-backend`, config.namespace) : undefined;
  const headlessName = `${targetName}-headless`;
  const target = podinfoTarget('target', targetName, config.namespace, {
    ...(types.has('http-pod-direct') ? { headless: { name: headlessName, host: svcHost(headlessName, config.namespace) } } : {}),
    // podinfo's /api/echo POSTs the body to every --backend-url and answers with their replies.
    ...(backend ? { backendUrl: podinfoUrl(backend.serviceHost, '/echo') } : {}),
  });
  const remoteNamespaces = [
    ...new Set(config.flows.flatMap((f) => (f.type === 'cross-namespace' ? [remoteNamespace(config, f)] : []))),
  ];
  const remotes = remoteNamespaces.map((ns) => podinfoTarget('remote', `${config.name}-remote`, ns));
  const meshNames = nodeMeshNames(config.name);
  const nodeMesh = types.has('http-node-mesh')
    ? podinfoTarget(NODE_MESH_ROLE, meshNames.workload, config.namespace, { perNode: true, headless: { name: meshNames.headless, host: svcHost(meshNames.headless, config.namespace) } })
    : undefined;
  const k6Version = parseVersion(imageTag(config.injector.image));
  if (!k6Version) throw new Error(`injector.image: cannot read a k6 version from '${config.injector.image}'`);
  const hosts: FlowTargets = {
    service: target.serviceHost,
    headless: target.headless?.host ?? '',
    // The short `<service>.<namespace>` name: the resolver walks the pod's DNS search path to find it.
    remote: (f) => `${config.name}-remote.${remoteNamespace(config, f)}`,
    nodeMesh: nodeMesh?.headless?.host ?? '',
  };
  const flows = config.flows.map((f) => resolveFlow(config, f, hosts));
  const buckets = [...new Set([...BASE_BUCKETS, ...flows.map((f) => f.latency.thresholdSeconds)])].sort((a, b) => a - b);
  const m = config.monitoring;
  const selectorLabels: Record<string, string> =
    m.mode === 'demo' ? { 'app.kubernetes.io/part-of': 'continuous-load', 'app.kubernetes.io/instance': config.name } : { release: m.existing.release };
  const { period, burnRates, traffic, saturation } = config.objectives;
  const inj = config.injector;
  return {
    name: config.name,
    namespace: config.namespace,
    commonLabels,
    target,
    targets: [target, ...(backend ? [backend] : []), ...remotes, ...(nodeMesh ? [nodeMesh] : [])],
    remoteNamespaces,
    injector: {
      ...workload(`${config.name}-injector`, 'injector', 'k6'),
      mode: config.injector.mode,
      k6Version,
      statsdExporterName: 'statsd-exporter',
      output: config.injector.output,
      remoteWriteUrl: config.injector.output === 'prometheus-rw' ? remoteWriteUrl(config) : undefined,
      remoteWritePushInterval: inj.remoteWrite.pushInterval,
      replicas: inj.replicas,
      image: inj.image,
      resources: inj.resources,
      statsdExporter: { image: inj.statsdExporter.image, resources: inj.statsdExporter.resources },
      servedBy: { sampleEvery: inj.servedBy.sampleEvery, maxNodes: inj.servedBy.maxNodes },
      destinations: { maxPods: inj.destinations.maxPods },
    },
    flows,
    flowClasses: flowClasses(flows),
    objectives: { period, burnRates, traffic, saturation },
    buckets,
    monitoring: {
      mode: m.mode,
      selectorLabels,
      grafanaInstanceLabels: m.mode === 'demo' ? { 'continuous-load/grafana': config.name } : m.existing.grafana.instanceLabels,
      datasource: m.mode === 'demo' ? { name: 'Prometheus', uid: `${config.name}-prometheus` } : m.existing.grafana.datasource,
      kubeSystemWorkloads: m.changeAnnotations.kubeSystemWorkloads,
      prometheusName: config.name,
      grafanaName: config.name,
      demo: m.demo,
      existingNamespace: m.existing.namespace,
    },
    security: config.security,
    edge: edgeModel(config, { serviceName: target.serviceName, namespace: target.namespace, ports: PODINFO_PORTS }),
  };
}
