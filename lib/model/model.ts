import { Config, FlowConfig } from '../config/schema';
import { toSeconds } from './duration';
import { BASE_BUCKETS } from './metrics';

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
  /** A new DNS lookup and TCP connection for every request. */
  readonly freshConnection: boolean;
}

export type RequestPlan = HttpRequestPlan;

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

export interface WorkloadModel {
  readonly name: string;
  /** Labels on the workload and its pods (include the selector). */
  readonly labels: Readonly<Record<string, string>>;
  /** Stable selector labels: no construct-path hashes, so Deployment selectors never change. */
  readonly selector: Readonly<Record<string, string>>;
}

export interface Model {
  readonly config: Config;
  readonly name: string;
  readonly namespace: string;
  /** Labels on every object we synthesize. */
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly target: WorkloadModel & {
    readonly serviceName: string;
    /**
     * Host name of the ClusterIP Service as the injector (same namespace) resolves it: the short name, which
     * the pod's first DNS search domain (`<namespace>.svc.cluster.local`) completes on the first query, and
     * which keeps the plan namespace-agnostic for kustomize namespace overrides.
     */
    readonly serviceHost: string;
  };
  readonly injector: WorkloadModel & {
    readonly k6Version: SemVer;
    readonly statsdExporterName: string;
    /** How k6 exports metrics (`injector.output`). */
    readonly output: 'statsd' | 'prometheus-rw';
    /** Remote-write endpoint (prometheus-rw only). */
    readonly remoteWriteUrl?: string;
  };
  readonly flows: readonly ResolvedFlow[];
  /** Histogram buckets of the statsd-exporter mapping; include every flow's latency threshold. */
  readonly buckets: readonly number[];
  readonly monitoring: {
    readonly mode: 'demo' | 'existing';
    /** Labels our ServiceMonitor, PodMonitor and PrometheusRule carry so that Prometheus selects them. */
    readonly selectorLabels: Readonly<Record<string, string>>;
    /** Labels of the Grafana instance our dashboard objects select. */
    readonly grafanaInstanceLabels: Readonly<Record<string, string>>;
    readonly datasource: { readonly name: string; readonly uid: string };
    readonly prometheusName: string;
    readonly grafanaName: string;
  };
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

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** Default VUs: enough for the rate at the latency objective (preallocated) and at the timeout (max). */
export function defaultVUs(rate: number, thresholdSeconds: number, timeoutSeconds: number) {
  const preAllocatedVUs = Math.max(2, Math.ceil(rate * thresholdSeconds * 2));
  const maxVUs = Math.max(preAllocatedVUs, Math.ceil(rate * timeoutSeconds));
  return { preAllocatedVUs, maxVUs };
}

function resolveFlow(config: Config, flow: FlowConfig, targetHost: string): ResolvedFlow {
  const latency = flow.objectives?.latency ?? config.objectives.latency;
  const availability = flow.objectives?.availability ?? config.objectives.availability;
  const thresholdSeconds = toSeconds(latency.threshold);
  const timeoutSeconds = toSeconds(flow.timeout);
  const vus = defaultVUs(flow.rate, thresholdSeconds, timeoutSeconds);
  const base = {
    name: flow.name,
    type: flow.type,
    rate: flow.rate,
    timeout: flow.timeout,
    timeoutSeconds,
    preAllocatedVUs: flow.preAllocatedVUs ?? Math.min(vus.preAllocatedVUs, flow.maxVUs ?? Infinity),
    maxVUs: flow.maxVUs ?? Math.max(vus.maxVUs, flow.preAllocatedVUs ?? 0),
    availability: round6(availability / 100),
    latency: { threshold: latency.threshold, thresholdSeconds, target: round6(latency.target / 100) },
  };
  switch (flow.type) {
    case 'http-service':
      return {
        ...base,
        request: {
          kind: 'http',
          method: 'GET',
          url: `http://${targetHost}:${PODINFO_PORTS.http}${flow.path}`,
          expectedStatuses: [200],
          headers: {},
          freshConnection: false,
        },
      };
  }
}

/** The Service the Prometheus Operator creates beside every Prometheus, and its port. */
export const PROMETHEUS_OPERATED = { service: 'prometheus-operated', port: 9090 } as const;

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
  const targetName = `${config.name}-target`;
  const serviceHost = targetName;
  const k6Version = parseVersion(imageTag(config.injector.image));
  if (!k6Version) throw new Error(`injector.image: cannot read a k6 version from '${config.injector.image}'`);
  const flows = config.flows.map((f) => resolveFlow(config, f, serviceHost));
  const buckets = [...new Set([...BASE_BUCKETS, ...flows.map((f) => f.latency.thresholdSeconds)])].sort((a, b) => a - b);
  const m = config.monitoring;
  const selectorLabels: Record<string, string> =
    m.mode === 'demo' ? { 'app.kubernetes.io/part-of': 'continuous-load', 'app.kubernetes.io/instance': config.name } : { release: m.existing.release };
  return {
    config,
    name: config.name,
    namespace: config.namespace,
    commonLabels,
    target: { ...workload(targetName, 'target', 'podinfo'), serviceName: targetName, serviceHost },
    injector: {
      ...workload(`${config.name}-injector`, 'injector', 'k6'),
      k6Version,
      statsdExporterName: 'statsd-exporter',
      output: config.injector.output,
      remoteWriteUrl: config.injector.output === 'prometheus-rw' ? remoteWriteUrl(config) : undefined,
    },
    flows,
    buckets,
    monitoring: {
      mode: m.mode,
      selectorLabels,
      grafanaInstanceLabels: m.mode === 'demo' ? { 'continuous-load/grafana': config.name } : m.existing.grafana.instanceLabels,
      datasource: m.mode === 'demo' ? { name: 'Prometheus', uid: `${config.name}-prometheus` } : m.existing.grafana.datasource,
      prometheusName: config.name,
      grafanaName: config.name,
    },
  };
}
