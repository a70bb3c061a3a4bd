import { z } from 'zod';
import { RATE_DECIMALS, k6ArrivalRate } from '../injector/k6-options';
import { edgeFlowSchemas } from './edge-schema';
import { nodeMeshFlowSchema } from './node-mesh-schema';

/**
 * The Continuous Load config schema: the one place that says what a config may contain.
 * Every field has a default, so an empty document (or no file at all) is a complete config.
 * `npm run schema` writes the JSON Schema of this to `continuous-load.schema.json` for editors.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Kubernetes resource quantity, e.g. `100m`, `0.5`, `128Mi`. */
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;
/** A Prometheus/k6-style duration: one or more `<n><unit>` with units ms, s, m, h, d. */
const DURATION = /^([0-9]+(ms|s|m|h|d))+$/;
/** `registry/repository:tag`, optionally `@sha256:<64 hex>`; the tag is required. */
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, { message: `${what} must be at most 63 characters (DNS-1123 label)` })
    .regex(DNS1123_LABEL, {
      message: `${what} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
    });

export const duration = () =>
  z.string().regex(DURATION, { message: "must be a duration such as '500ms', '5s', '1m' or '1h30m'" });

export const quantity = () =>
  z.string().regex(QUANTITY, { message: "must be a Kubernetes quantity such as '100m', '0.5', '64Mi' or '1Gi'" });

export const image = () =>
  z.string().regex(IMAGE, {
    message: "must be an image reference with a tag, 'repository:tag' or 'repository:tag@sha256:<digest>'",
  });

export const labels = () =>
  z.record(
    z.string().regex(LABEL_KEY, { message: 'must be a valid Kubernetes label key' }),
    z.string().max(63).regex(LABEL_VALUE, { message: 'must be a valid Kubernetes label value' }),
  );

const cpuMemory = z
  .object({
    cpu: quantity().describe('CPU, e.g. 100m'),
    memory: quantity().describe('Memory, e.g. 64Mi'),
  })
  .strict();

export const resources = (requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) =>
  z
    .object({
      requests: cpuMemory.default(requests).describe('Resource requests.'),
      limits: cpuMemory.default(limits).describe('Resource limits.'),
    })
    .strict()
    .prefault({});

/** A percentage objective strictly between 0 and 100, such as 99.95. */
const percent = (what: string) =>
  z
    .number()
    .gt(0, { message: `${what} must be above 0 %` })
    .lt(100, { message: `${what} must be below 100 %: a 100 % objective leaves no error budget, so no burn rate can be computed` });

const latencyObjective = z
  .object({
    threshold: duration().describe('A request is good when it completes faster than this, e.g. 250ms.'),
    target: percent('objectives.latency.target').describe('Percent of requests that must be faster than `threshold`.'),
  })
  .strict();

const burnRateWindow = z
  .object({
    short: duration().describe('Short window; it stops the alert quickly once the problem is gone.'),
    long: duration().describe('Long window; it proves the burn is sustained.'),
    factor: z.number().positive().describe('Burn-rate factor: how many times faster than allowed the budget burns.'),
    severity: z.enum(['page', 'ticket']).describe('Alert severity for this pair.'),
    for: duration()
      .optional()
      .describe('How long both windows must burn before the alert fires. @default a fifth of the short window (5m → 1m)'),
  })
  .strict();

const DEFAULT_BURN_RATES = [
  { short: '5m', long: '1h', factor: 14.4, severity: 'page' as const },
  { short: '30m', long: '6h', factor: 6, severity: 'page' as const },
  { short: '2h', long: '1d', factor: 3, severity: 'ticket' as const },
  { short: '6h', long: '3d', factor: 1, severity: 'ticket' as const },
];

const objectivesSchema = z
  .object({
    availability: percent('objectives.availability')
      .default(99.95)
      .describe('Percent of requests that must succeed (expected status, no transport error).'),
    latency: latencyObjective.prefault({ threshold: '250ms', target: 99.5 }).describe('Latency objective.'),
    period: duration().default('30d').describe('SLO period the error budget is computed over.'),
    burnRates: z
      .array(burnRateWindow)
      .min(1)
      .default(DEFAULT_BURN_RATES)
      .describe('Multi-window, multi-burn-rate alert pairs (SRE workbook defaults).'),
    traffic: z
      .object({
        minRatio: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.8)
          .describe("Alert when a flow's measured rate falls below this fraction of its configured rate."),
        for: duration().default('5m').describe('How long the rate must stay low before the alert fires.'),
        window: duration()
          .default('5m')
          .describe('Window the measured rate is averaged over. Keep `for` >= minRatio × window, or a replaced injector pod alerts while its rate decays.'),
        absentWindow: duration()
          .default('2m')
          .describe("Dead-man's switch: alert when a flow has had no injector sample for this long ..."),
        absentFor: duration().default('1m').describe('... and still none after this much longer (rides out a Prometheus restart).'),
      })
      .strict()
      .prefault({}),
    saturation: z
      .object({
        memoryRatio: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.9)
          .describe('Alert when a container (injector, statsd-exporter, target) uses more than this fraction of its memory limit.'),
        cpuRatio: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.9)
          .describe('Alert when the target (podinfo) uses more than this fraction of its CPU limit.'),
        throttledRatio: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.25)
          .describe('Alert when more than this fraction of the injector CPU periods are throttled (cAdvisor; existing mode only).'),
        for: duration().default('15m').describe('How long saturation must last before its ticket fires.'),
      })
      .strict()
      .prefault({})
      .describe('Saturation alerts: injector, statsd-exporter and target against their configured limits.'),
  })
  .strict();

/** Per-flow override of the global objectives. */
const flowObjectives = z
  .object({
    availability: percent('availability').optional().describe('Overrides objectives.availability for this flow.'),
    latency: latencyObjective.optional().describe('Overrides objectives.latency for this flow.'),
  })
  .strict();

const flowCommon = {
  name: dnsLabel('flow name').describe('Unique flow name; it becomes the `flow` label on every metric and alert.'),
  rate: z
    .number()
    .positive({ message: 'must be above 0 requests per second' })
    .max(10000, { message: 'must be at most 10000 requests per second per injector pod' })
    // The plan gives k6 a whole number of iterations per timeUnit (see k6ArrivalRate): exact for RATE_DECIMALS decimals.
    .refine((r) => !(r > 0) || k6ArrivalRate(r) !== undefined, {
      message: `must have at most ${RATE_DECIMALS} decimal places: k6 takes a whole number of iterations per time unit, and 0.001/s (1 per 1000s) is the finest rate expressed exactly`,
    })
    .default(10)
    .describe(
      'Requests per second, per injector pod (constant arrival rate, open model). Fractions down to 0.001 (at most 3 decimal places): k6 runs r/s as a whole number of iterations per time unit, e.g. 2.5 as 5 per 2s, 0.1 as 1 per 10s.',
    ),
  timeout: duration().default('5s').describe('Request timeout.'),
  preAllocatedVUs: z.number().int().positive().optional().describe('k6 VUs allocated at start. @default derived from rate and latency objective'),
  maxVUs: z.number().int().positive().optional().describe('Upper bound of k6 VUs. @default derived from rate and timeout'),
  objectives: flowObjectives.optional().describe('Objectives for this flow; missing fields use the global objectives.'),
};

const path = (def: string) =>
  z.string().regex(/^\/[^\s]*$/, { message: "must be an absolute path starting with '/'" }).default(def);

const connectionReuse = (def: boolean, why: string) =>
  z.boolean().default(def).describe(`Keep connections alive between requests (false: a new DNS lookup and TCP connection per request). ${why}`);

const httpServiceFlow = z
  .object({
    type: z.literal('http-service').describe('HTTP over keep-alive connections to the target ClusterIP Service: the kube-proxy or eBPF service path.'),
    ...flowCommon,
    path: path('/api/info').describe('Request path on podinfo.'),
    connectionReuse: connectionReuse(true, '@default true'),
  })
  .strict();

const httpFreshFlow = z
  .object({
    type: z
      .literal('http-fresh')
      .describe('HTTP to the target Service with a new DNS lookup (CoreDNS over UDP) and a new TCP connection for every request.'),
    ...flowCommon,
    path: path('/api/info').describe('Request path on podinfo.'),
  })
  .strict();

const httpPodDirectFlow = z
  .object({
    type: z
      .literal('http-pod-direct')
      .describe('HTTP to pod IPs resolved through a headless Service (no Service VIP); DNS answers are used round-robin so every pod is hit.'),
    ...flowCommon,
    path: path('/api/info').describe('Request path on podinfo.'),
    connectionReuse: connectionReuse(false, 'Off by default, so every request resolves the headless name again and round-robin walks all pods. @default false'),
  })
  .strict();

/** A gRPC method as k6 names it: `package.Service/Method`, with or without a leading '/'. */
const grpcMethod = z.string().regex(/^\/?[A-Za-z_][A-Za-z0-9_.]*\/[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "must be a gRPC method such as 'grpc.health.v1.Health/Check' or '/version.VersionService/Version'",
});

const grpcFlow = z
  .object({
    type: z.literal('grpc').describe("gRPC to podinfo's port 9999 over one long-lived HTTP/2 connection per VU."),
    ...flowCommon,
    healthService: z
      .string()
      .min(1)
      .default('podinfo')
      .describe('Service name asked by grpc.health.v1.Health/Check; the answer must be SERVING.'),
    method: grpcMethod.default('version.VersionService/Version').describe('Unary method called in turn with the health check.'),
  })
  .strict();

const chainFlow = z
  .object({
    type: z
      .literal('chain')
      .describe("k6 → frontend podinfo Service → backend podinfo Service (`--backend-url`): pod → Service → pod → Service → pod."),
    ...flowCommon,
    connectionReuse: connectionReuse(true, '@default true'),
  })
  .strict();

const crossNamespaceFlow = z
  .object({
    type: z
      .literal('cross-namespace')
      .describe('HTTP to a podinfo in another namespace, through its Service name: NetworkPolicy and DNS search paths are on the path.'),
    ...flowCommon,
    namespace: dnsLabel('flows[].namespace').optional().describe('Namespace of the remote target. @default <namespace>-remote'),
    path: path('/api/info').describe('Request path on podinfo.'),
    connectionReuse: connectionReuse(true, '@default true'),
  })
  .strict();

/** Schemes a custom target URL may use, per protocol. */
const CUSTOM_SCHEMES = { http: ['http'], https: ['https'], grpc: ['grpc', 'grpcs'] } as const;

const customFlow = z
  .object({
    type: z.literal('custom').describe('A user-defined HTTP(S) or gRPC target: an ingress host, an external endpoint, another team\'s service.'),
    ...flowCommon,
    protocol: z.enum(['http', 'https', 'grpc']).describe('Protocol of the target.'),
    url: z
      .string()
      .min(1)
      .describe("Target URL with scheme: 'http://host[:port]/path', 'https://…', or for gRPC 'grpc://host:port' (plaintext) / 'grpcs://host:port' (TLS)."),
    method: z
      .string()
      .min(1)
      .optional()
      .describe("HTTP method (GET, HEAD, POST, …) or, for gRPC, the unary method to call. @default GET, or 'grpc.health.v1.Health/Check' for gRPC"),
    expectedStatuses: z
      .array(z.number().int().min(0).max(599))
      .min(1)
      .optional()
      .describe('Statuses that count as success: HTTP status codes, or gRPC status codes for gRPC. @default [200], or [0] (OK) for gRPC'),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be an HTTP header name' }), z.string())
      .default({})
      .describe('Request headers (HTTP) or metadata (gRPC).'),
    body: z.string().optional().describe('HTTP request body; for gRPC the request message as JSON. @default none ({} for gRPC)'),
    connectionReuse: connectionReuse(true, 'HTTP only; gRPC always keeps one connection per VU. @default true'),
  })
  .strict()
  .superRefine((f, ctx) => {
    let url: URL;
    try {
      url = new URL(f.url);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['url'], input: f.url, message: "must be an absolute URL with a scheme, such as 'https://example.com/health' or 'grpc://svc.ns:9000'" });
      return;
    }
    const scheme = url.protocol.replace(/:$/, '');
    const allowed: readonly string[] = CUSTOM_SCHEMES[f.protocol];
    if (!allowed.includes(scheme)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        input: f.url,
        message: `scheme '${scheme}' does not fit protocol '${f.protocol}': use ${allowed.map((a) => `'${a}://'`).join(' or ')}`,
      });
      return;
    }
    if (!url.hostname) ctx.addIssue({ code: 'custom', path: ['url'], input: f.url, message: 'must name a host' });
    if (f.protocol === 'grpc') {
      if (!url.port) ctx.addIssue({ code: 'custom', path: ['url'], input: f.url, message: "a gRPC URL must name the port, e.g. 'grpc://svc.ns:9000'" });
      if (url.pathname !== '' && url.pathname !== '/') {
        ctx.addIssue({ code: 'custom', path: ['url'], input: f.url, message: "a gRPC URL is 'grpc://host:port' without a path; put the method in 'method'" });
      }
      if (f.method !== undefined && !grpcMethod.safeParse(f.method).success) {
        ctx.addIssue({ code: 'custom', path: ['method'], input: f.method, message: "must be a gRPC method such as 'grpc.health.v1.Health/Check'" });
      }
      if (f.body !== undefined) {
        let ok = false;
        try {
          const v: unknown = JSON.parse(f.body);
          ok = typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          ok = false;
        }
        if (!ok) ctx.addIssue({ code: 'custom', path: ['body'], input: f.body, message: 'for gRPC the body must be the request message as a JSON object' });
      }
      for (const s of f.expectedStatuses ?? []) {
        if (s > 16) ctx.addIssue({ code: 'custom', path: ['expectedStatuses'], input: s, message: 'gRPC status codes are 0 (OK) to 16 (UNAUTHENTICATED)' });
      }
    } else {
      if (f.method !== undefined && !/^[A-Z]+$/.test(f.method)) {
        ctx.addIssue({ code: 'custom', path: ['method'], input: f.method, message: "must be an HTTP method in capitals, such as 'GET', 'HEAD' or 'POST'" });
      }
      for (const s of f.expectedStatuses ?? []) {
        if (s < 100) ctx.addIssue({ code: 'custom', path: ['expectedStatuses'], input: s, message: 'HTTP status codes are 100 to 599' });
      }
    }
  });

const edgeFlows = edgeFlowSchemas({ flowCommon, dnsLabel, labels, path, connectionReuse, grpcMethod });

const nodeMeshFlow = nodeMeshFlowSchema({ flowCommon, path });

const flowSchema = z.discriminatedUnion('type', [
  httpServiceFlow,
  httpFreshFlow,
  httpPodDirectFlow,
  grpcFlow,
  chainFlow,
  crossNamespaceFlow,
  customFlow,
  edgeFlows.ingress,
  edgeFlows.gatewayHttp,
  edgeFlows.gatewayGrpc,
  nodeMeshFlow,
]);

/** Every flow type; `cross-namespace`, `custom`, the edge types and `http-node-mesh` are optional (not in the defaults). */
export const FLOW_TYPES = ['http-service', 'http-fresh', 'http-pod-direct', 'grpc', 'chain', 'cross-namespace', 'custom', 'ingress', 'gateway-http', 'gateway-grpc', 'http-node-mesh'] as const;

/** The default flows: every non-optional flow type once. */
const DEFAULT_FLOWS = [
  { type: 'http-service' as const, name: 'http-service', rate: 10 },
  { type: 'http-fresh' as const, name: 'http-fresh', rate: 5 },
  { type: 'http-pod-direct' as const, name: 'http-pod-direct', rate: 5 },
  { type: 'grpc' as const, name: 'grpc', rate: 5 },
  { type: 'chain' as const, name: 'chain', rate: 5 },
];

const existingStack = z
  .object({
    namespace: dnsLabel('monitoring.existing.namespace')
      .default('monitoring')
      .describe('Namespace of the existing kube-prometheus-stack.'),
    release: z
      .string()
      .min(1)
      .default('kube-prometheus-stack')
      .describe('Helm release name of kube-prometheus-stack; it selects monitors and rules by `release: <name>`.'),
    grafana: z
      .object({
        instanceLabels: labels()
          .default({ dashboards: 'grafana' })
          .describe('Labels of the existing Grafana CR; our dashboard and folder select it with them.'),
        datasource: z
          .object({
            name: z.string().min(1).default('Prometheus').describe('Name of the Prometheus datasource in that Grafana.'),
            uid: z.string().min(1).default('prometheus').describe('UID of the Prometheus datasource in that Grafana.'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const demoStack = z
  .object({
    prometheus: z
      .object({
        version: z.string().regex(/^v\d+\.\d+\.\d+$/).default('v3.13.1').describe('Prometheus version the operator deploys.'),
        replicas: z.number().int().positive().default(1),
        retention: duration().default('7d'),
        scrapeInterval: duration().default('15s'),
        evaluationInterval: duration().default('15s'),
        resources: resources({ cpu: '200m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
      })
      .strict()
      .prefault({}),
    grafana: z
      .object({
        version: z.string().regex(/^\d+\.\d+\.\d+$/).default('13.0.1').describe('Grafana version the operator deploys.'),
        resources: resources({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
        adminSecret: z
          .object({
            name: dnsLabel('monitoring.demo.grafana.adminSecret.name'),
            userKey: z.string().min(1).default('admin-user'),
            passwordKey: z.string().min(1).default('admin-password'),
          })
          .strict()
          .optional()
          .describe("Existing Secret with Grafana's admin credentials. @default the operator generates them"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** An IPv4 or IPv6 CIDR such as `10.0.0.0/8`. */
const cidr = () =>
  z.string().refine((s) => z.cidrv4().safeParse(s).success || z.cidrv6().safeParse(s).success, {
    message: "must be a CIDR such as '10.96.0.0/12' or 'fd00::/8'",
  });

const port = () => z.number().int().min(1, { message: 'must be a port from 1 to 65535' }).max(65535, { message: 'must be a port from 1 to 65535' });

const securitySchema = z
  .object({
    networkPolicies: z
      .boolean()
      .default(true)
      .describe(
        'Tenant-perspective mode: default-deny ingress and egress NetworkPolicies in our namespace, then explicit allows for exactly the paths the flows and the monitoring need. The synthetic traffic then meets the policy machinery tenants meet; a broken NetworkPolicy implementation shows up as failing flows.',
      ),
    dns: z
      .object({
        namespace: dnsLabel('security.dns.namespace').default('kube-system').describe('Namespace of the cluster DNS pods.'),
        podLabels: labels().default({ 'k8s-app': 'kube-dns' }).describe('Labels of the cluster DNS pods (CoreDNS keeps k8s-app=kube-dns).'),
      })
      .strict()
      .prefault({})
      .describe('The cluster DNS every pod may query on UDP and TCP 53.'),
    apiServer: z
      .object({
        cidrs: z.array(cidr()).min(1).default(['0.0.0.0/0']).describe('Where the Kubernetes API server endpoints are; narrow it to your control-plane addresses.'),
        ports: z.array(port()).min(1).default([443, 6443]).describe('Ports of the Kubernetes API server endpoints.'),
      })
      .strict()
      .prefault({})
      .describe("Demo mode: Prometheus' egress to the Kubernetes API for service discovery."),
    grafanaOperator: z
      .object({
        namespace: dnsLabel('security.grafanaOperator.namespace').optional().describe('Namespace of the grafana-operator. @default any namespace'),
        podLabels: labels().default({ 'app.kubernetes.io/name': 'grafana-operator' }).describe('Labels of the grafana-operator pods.'),
      })
      .strict()
      .prefault({})
      .describe('Demo mode: the grafana-operator calls the Grafana API (port 3000) to load datasources and dashboards.'),
    existingPrometheus: z
      .object({
        podLabels: labels().default({ 'app.kubernetes.io/name': 'prometheus' }).describe('Labels of the existing Prometheus pods (kube-prometheus-stack sets app.kubernetes.io/name=prometheus).'),
      })
      .strict()
      .prefault({})
      .describe('Existing-stack mode: the Prometheus pods in monitoring.existing.namespace that scrape our metrics ports.'),
  })
  .strict();

export const configSchema = z
  .object({
    name: dnsLabel('name').default('continuous-load').describe('Instance name; prefix of every object name.'),
    namespace: dnsLabel('namespace').default('continuous-load').describe('Namespace of the load, the targets and (demo mode) the monitoring stack.'),
    labels: labels().default({}).describe('Extra labels on every object.'),
    target: z
      .object({
        image: image().default('ghcr.io/stefanprodan/podinfo:6.14.1').describe('podinfo image.'),
        replicas: z.number().int().min(1).default(3).describe('podinfo replicas, spread across nodes.'),
        resources: resources({ cpu: '50m', memory: '32Mi' }, { cpu: '500m', memory: '128Mi' }),
      })
      .strict()
      .prefault({}),
    injector: z
      .object({
        image: image().default('grafana/k6:0.54.0').describe('k6 image. The statsd output needs k6 <= 0.54; prometheus-rw needs k6 >= 0.55.'),
        output: z
          .enum(['statsd', 'prometheus-rw'])
          .default('statsd')
          .describe(
            'How k6 exports metrics: `statsd` to the statsd-exporter sidecar (k6 <= 0.54), or `prometheus-rw`: Prometheus remote-write with native histograms, no sidecar (k6 >= 0.55; the Prometheus must accept remote writes).',
          ),
        remoteWrite: z
          .object({
            url: z
              .string()
              .regex(/^https?:\/\/[^\s]+$/, { message: "must be an http(s) URL such as 'http://prometheus-operated.monitoring.svc:9090/api/v1/write'" })
              .optional()
              .describe(
                "Remote-write endpoint (prometheus-rw only). @default demo mode: http://prometheus-operated:9090/api/v1/write; existing mode: http://prometheus-operated.<monitoring.existing.namespace>.svc:9090/api/v1/write",
              ),
            pushInterval: duration().default('5s').describe('How often k6 pushes (prometheus-rw only).'),
          })
          .strict()
          .prefault({}),
        mode: z
          .enum(['deployment', 'daemonset'])
          .default('deployment')
          .describe('`deployment`: `replicas` injector pods. `daemonset`: one injector per node (same pod), so every node sources traffic and a bad node stands out.'),
        replicas: z.number().int().min(1).default(1).describe('Injector replicas in `deployment` mode; every replica drives every flow at its full rate.'),
        servedBy: z
          .object({
            sampleEvery: z
              .number()
              .int()
              .min(0)
              .max(1000000)
              .default(10)
              .describe("Every Nth request of a podinfo HTTP flow asks podinfo's /env and counts the serving node (k6_served_by_total); 0 turns it off."),
            maxNodes: z
              .number()
              .int()
              .min(1)
              .max(1000)
              .default(100)
              .describe("Distinct served_by_node values each k6 VU reports; further nodes are counted as 'other'. Bounds the label's cardinality."),
          })
          .strict()
          .prefault({})
          .describe('Served-by attribution: which node answered.'),
        destinations: z
          .object({
            maxPods: z
              .number()
              .int()
              .min(1)
              .max(1000)
              .default(50)
              .describe("Distinct dest_ip values (target pod IPs) each k6 VU reports for a pod-direct flow; further pods are counted as 'other'. Bounds the label's cardinality: set it to at least the target's replicas."),
          })
          .strict()
          .prefault({})
          .describe('Destination attribution of pod-direct flows (k6_dest_requests_total): which target pod a request reached or failed on.'),
        resources: resources({ cpu: '100m', memory: '128Mi' }, { cpu: '1', memory: '512Mi' }),
        statsdExporter: z
          .object({
            image: image().default('prom/statsd-exporter:v0.30.0'),
            resources: resources({ cpu: '20m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    flows: z.array(flowSchema).min(1, { message: 'needs at least one flow' }).prefault(DEFAULT_FLOWS).describe('The flows the injector drives.'),
    objectives: objectivesSchema.prefault({}).describe('Service-level objectives used by the alerts and the dashboard.'),
    monitoring: z
      .object({
        mode: z.enum(['demo', 'existing']).default('demo').describe('`demo` bundles Prometheus and Grafana; `existing` plugs into kube-prometheus-stack and an existing Grafana.'),
        demo: demoStack.prefault({}),
        existing: existingStack.prefault({}),
        changeAnnotations: z
          .object({
            kubeSystemWorkloads: z
              .array(dnsLabel('monitoring.changeAnnotations.kubeSystemWorkloads[]'))
              .default([])
              .describe('More kube-system DaemonSets or Deployments whose rollouts the dashboard marks, besides the usual CNI, kube-proxy and DNS names.'),
          })
          .strict()
          .prefault({})
          .describe('Change annotations on the dashboard (from kube-state-metrics).'),
      })
      .strict()
      .prefault({}),
    security: securitySchema.prefault({}).describe('Tenant-perspective hardening: NetworkPolicies around everything we run.'),
    deploy: z
      .object({
        requireContext: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Production safety switch: `deploy` and `delete` refuse to run unless `--context` names exactly this kube context. @default any context (the current one when --context is not given)',
          ),
      })
      .strict()
      .prefault({})
      .describe('How the continuous-load CLI (`npm run deploy`, `delete`) operates this config.'),
    clusters: z
      .record(dnsLabel('cluster name'), z.record(z.string(), z.unknown()))
      .optional()
      .describe(
        'A fleet: one entry per cluster (the key names its output directory, dist/<cluster>/), each holding overrides of the fields above, deep-merged into them. Objects merge key by key; `flows` merge by flow name (a new name adds a flow); other lists replace; `null` removes a field. Without `clusters`, one cluster is written to dist/. @default not set (one cluster)',
      ),
  })
  .strict();

/** The config as written by a user (every field optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated config with every default filled in. */
export type Config = z.output<typeof configSchema>;
export type FlowConfig = z.output<typeof flowSchema>;
export type Objectives = z.output<typeof objectivesSchema>;
