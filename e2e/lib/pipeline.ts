/**
 * The loopback pipeline built from dist/: real podinfo (target + chain backend) with the
 * Deployments' args, real statsd_exporter with the mapping ConfigMap, real Prometheus with the
 * PrometheusRule groups as shipped and scrape jobs equivalent to our PodMonitor/ServiceMonitor,
 * driven by the shipped k6 script itself, run unchanged by the k6 v0.54-compatible runner (e2e/k6-runner)
 * with the k6 container's args and env from dist/.
 */
import { stringify } from 'yaml';
import { containerEnv, findContainer, flagValue, mountedConfigMapFile, prometheusRuleFile, type KubeObject } from './dist';
import type { LoadPlan } from '../../lib/injector/plan';
import { startK6Runner, type K6Runner } from './k6-runner';
import { startPodinfo, startPrometheus, startStatsdExporter, type Podinfo, type Prometheus, type StatsdExporter } from './processes';
import { instantQuery, listAlerts, type Alert } from './prometheus-api';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function matches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = labels[e.key];
    if (e.operator === 'In' && (v === undefined || !(e.values ?? []).includes(v))) return false;
    if (e.operator === 'NotIn' && v !== undefined && (e.values ?? []).includes(v)) return false;
    if (e.operator === 'Exists' && v === undefined) return false;
    if (e.operator === 'DoesNotExist' && v !== undefined) return false;
  }
  return true;
}

function podLabels(d: KubeObject): Record<string, string> {
  return ((d.spec as { template: { metadata: { labels?: Record<string, string> } } }).template.metadata.labels ?? {});
}

/** What the pipeline reads from dist/. */
export interface DistPipeline {
  objects: KubeObject[];
  namespace: string;
  plan: LoadPlan;
  rules: string;
  mapping: string;
  statsdArgs: string[];
  k6Env: Record<string, string>;
  injector: KubeObject;
  /** podinfo Deployments: the one whose args carry --backend-url is the frontend. */
  frontend: KubeObject;
  backends: KubeObject[];
  services: KubeObject[];
  podMonitors: KubeObject[];
  serviceMonitors: KubeObject[];
}

export function readDist(objects: KubeObject[]): DistPipeline {
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  // The injector is a Deployment, or a DaemonSet in daemonset mode.
  const injector = [...deployments, ...objects.filter((o) => o.kind === 'DaemonSet')].find((d) => {
    try {
      findContainer(d, 'k6');
      return true;
    } catch {
      return false;
    }
  });
  if (!injector) throw new Error(`no Deployment or DaemonSet with a k6 container in dist/ (Deployments: ${deployments.map((d) => d.metadata.name).join(', ')})`);
  const k6 = findContainer(injector, 'k6');
  const k6Env = containerEnv(k6);
  const planPath = k6Env['CL_PLAN'];
  if (!planPath) throw new Error(`Deployment ${injector.metadata.name} container k6 has no CL_PLAN env`);
  const plan = JSON.parse(mountedConfigMapFile(objects, injector, 'k6', planPath)) as LoadPlan;
  const statsd = findContainer(injector, 'statsd-exporter');
  const mappingPath = flagValue(statsd.args ?? [], 'statsd.mapping-config');
  if (!mappingPath) throw new Error(`Deployment ${injector.metadata.name} container statsd-exporter has no --statsd.mapping-config`);
  const podinfos = deployments.filter((d) => {
    try {
      findContainer(d, 'podinfo');
      return true;
    } catch {
      return false;
    }
  });
  // The target podinfo: the chain frontend (with --backend-url) when the config has a chain flow, else the only one.
  const frontend = podinfos.find((d) => flagValue(findContainer(d, 'podinfo').args ?? [], 'backend-url') !== undefined) ?? (podinfos.length === 1 ? podinfos[0] : undefined);
  if (!frontend) throw new Error(`no podinfo Deployment with --backend-url (the chain frontend) among several in dist/ (podinfo Deployments: ${podinfos.map((d) => d.metadata.name).join(', ')})`);
  return {
    objects,
    namespace: injector.metadata.namespace ?? 'default',
    plan,
    rules: prometheusRuleFile(objects),
    mapping: mountedConfigMapFile(objects, injector, 'statsd-exporter', mappingPath),
    statsdArgs: statsd.args ?? [],
    k6Env,
    injector,
    frontend,
    backends: podinfos.filter((d) => d !== frontend),
    services: objects.filter((o) => o.kind === 'Service'),
    podMonitors: objects.filter((o) => o.kind === 'PodMonitor'),
    serviceMonitors: objects.filter((o) => o.kind === 'ServiceMonitor'),
  };
}

export interface PipelineOptions {
  /** Extra podinfo flags for the frontend (the fault of a scenario). */
  frontendExtraArgs?: string[];
  /**
   * Puts something between the injector and a Service port (a fault proxy): gets the hosts entry
   * ("service:port") and the loopback address behind it, returns the address the injector dials instead.
   */
  interpose?: (servicePort: string, upstream: string) => Promise<string>;
  /** Global scrape and rule evaluation interval. */
  intervalSeconds?: number;
  /**
   * More hosts entries for the injector (e.g. an edge's address → a loopback stand-in for it), given the
   * Service entries ("service:port" → loopback address) the stand-in can route to.
   */
  extraHosts?: (serviceHosts: Readonly<Record<string, string>>) => Promise<Record<string, string>>;
}

export interface Pipeline {
  dist: DistPipeline;
  frontend: Podinfo;
  backends: Map<string, Podinfo>;
  statsd: StatsdExporter;
  prometheus: Prometheus;
  k6: K6Runner;
  /** The runner's hosts entries: "service:port" -> the loopback address it dials. */
  hosts: Record<string, string>;
  stop(): Promise<void>;
}

/** `http://svc:port/path` → the loopback podinfo serving the Deployment the Service selects. */
function urlResolver(d: DistPipeline, byDeployment: Map<string, Podinfo>): (url: string) => string {
  return (url: string) => {
    const u = new URL(url);
    const svc = d.services.find((s) => s.metadata.name === u.hostname);
    if (!svc) throw new Error(`plan URL ${url}: no Service ${u.hostname} in dist/`);
    const sel = (svc.spec as { selector?: Record<string, string> }).selector ?? {};
    const dep = [d.frontend, ...d.backends].find((x) => matches({ matchLabels: sel }, podLabels(x)));
    const p = dep && byDeployment.get(dep.metadata.name);
    if (!p) throw new Error(`plan URL ${url}: Service ${u.hostname} selects no podinfo Deployment`);
    return `${p.url}${u.pathname}${u.search}`;
  };
}

/**
 * k6 `hosts` entries for every Service port that reaches a podinfo: "name:port" -> the loopback port
 * of the podinfo process standing in for the pods the Service selects (its HTTP or gRPC port, by the
 * Service port's targetPort name).
 */
export function serviceHosts(d: DistPipeline, byDeployment: Map<string, Podinfo>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const svc of d.services) {
    const spec = svc.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: string | number }[] };
    const dep = [d.frontend, ...d.backends].find((x) => matches({ matchLabels: spec.selector ?? {} }, podLabels(x)));
    const p = dep && byDeployment.get(dep.metadata.name);
    if (!p) continue;
    for (const port of spec.ports ?? []) {
      const target = port.targetPort === 'grpc' ? p.grpcPort : port.targetPort === 'http' ? p.port : undefined;
      if (target !== undefined) out[`${svc.metadata.name}:${port.port}`] = `127.0.0.1:${target}`;
    }
  }
  return out;
}

/**
 * Prometheus scrape jobs equivalent to what prometheus-operator generates from our monitors. A
 * Deployment may stand for several pods (the fault matrix runs three target pods).
 */
/** The node the loopback injector pod runs on (its scrape target's `node` label). */
export const INJECTOR_NODE = 'loopback-node';

export function scrapeJobs(d: DistPipeline, statsd: StatsdExporter, byDeployment: Map<string, Podinfo | Podinfo[]>): unknown[] {
  const jobs: unknown[] = [];
  const node = INJECTOR_NODE;
  for (const pm of d.podMonitors) {
    const spec = pm.spec as { selector: Selector; podMetricsEndpoints: { port: string; path?: string }[] };
    if (!matches(spec.selector, podLabels(d.injector))) throw new Error(`PodMonitor ${pm.metadata.name} does not select Deployment ${d.injector.metadata.name}'s pods`);
    spec.podMetricsEndpoints.forEach((ep, i) => {
      const ns = pm.metadata.namespace ?? d.namespace;
      jobs.push({
        job_name: `podMonitor/${ns}/${pm.metadata.name}/${i}`,
        metrics_path: ep.path ?? '/metrics',
        static_configs: [
          {
            targets: [`127.0.0.1:${statsd.webPort}`],
            // The labels the operator's relabelings set for a PodMonitor target (job = <ns>/<name>),
            // plus `node` from the PodMonitor's own relabeling of __meta_kubernetes_pod_node_name.
            labels: { namespace: ns, pod: `${d.injector.metadata.name}-0`, container: 'statsd-exporter', endpoint: ep.port, node },
          },
        ],
        relabel_configs: [{ target_label: 'job', replacement: `${ns}/${pm.metadata.name}` }],
      });
    });
  }
  for (const sm of d.serviceMonitors) {
    const spec = sm.spec as { selector: Selector; endpoints: { port: string; path?: string }[] };
    const services = d.services.filter((s) => matches(spec.selector, s.metadata.labels ?? {}));
    spec.endpoints.forEach((ep, i) => {
      const ns = sm.metadata.namespace ?? d.namespace;
      const configs: unknown[] = [];
      for (const svc of services) {
        const sel = (svc.spec as { selector?: Record<string, string> }).selector ?? {};
        for (const dep of [d.frontend, ...d.backends].filter((x) => matches({ matchLabels: sel }, podLabels(x)))) {
          const found = byDeployment.get(dep.metadata.name);
          const pods = found === undefined ? [] : Array.isArray(found) ? found : [found];
          // podinfo serves the same /metrics on its main port; the loopback copy scrapes that one so a
          // restarted podinfo keeps its scrape address.
          pods.forEach((p, i) =>
            configs.push({
              targets: [`${p.host}:${p.port}`],
              labels: { namespace: ns, service: svc.metadata.name, pod: `${dep.metadata.name}-${i}`, container: 'podinfo', endpoint: ep.port, node, job: svc.metadata.name },
            }),
          );
        }
      }
      jobs.push({ job_name: `serviceMonitor/${ns}/${sm.metadata.name}/${i}`, metrics_path: ep.path ?? '/metrics', static_configs: configs });
    });
  }
  return jobs;
}

/** The podinfo processes standing in for the target Deployments of dist/. */
export interface Targets {
  frontend: Podinfo;
  backends: Map<string, Podinfo>;
  /** Every podinfo by the name of the Deployment it stands in for. */
  byDeployment: Map<string, Podinfo>;
  stop(): Promise<void>;
}

/**
 * Starts one loopback podinfo per podinfo Deployment of dist/, with the Deployment's args: the backends
 * first, then the chain frontend, whose --backend-url (a Service URL) is rewritten to the backend's
 * loopback address.
 */
export async function startTargets(d: DistPipeline, name: string, frontendExtraArgs: string[] = []): Promise<Targets> {
  const byDeployment = new Map<string, Podinfo>();
  const started: Podinfo[] = [];
  try {
    const backends = new Map<string, Podinfo>();
    for (const b of d.backends) {
      const p = await startPodinfo({
        name: `${name}-${b.metadata.name}`,
        args: findContainer(b, 'podinfo').args ?? [],
        env: { NODE_NAME: 'loopback-node', POD_NAME: `${b.metadata.name}-0` },
        grpcPort: true,
      });
      started.push(p);
      backends.set(b.metadata.name, p);
      byDeployment.set(b.metadata.name, p);
    }
    const feArgs = findContainer(d.frontend, 'podinfo').args ?? [];
    const backendUrl = flagValue(feArgs, 'backend-url');
    const backendArg = backendUrl === undefined ? [] : [`--backend-url=${urlResolver(d, byDeployment)(backendUrl)}`];
    const frontend = await startPodinfo({
      name: `${name}-${d.frontend.metadata.name}`,
      args: [...feArgs.filter((a) => !a.startsWith('--backend-url')), ...backendArg, ...frontendExtraArgs],
      env: { NODE_NAME: 'loopback-node', POD_NAME: `${d.frontend.metadata.name}-0` },
      grpcPort: true,
    });
    started.push(frontend);
    byDeployment.set(d.frontend.metadata.name, frontend);
    return { frontend, backends, byDeployment, stop: async () => void (await Promise.all(started.map((p) => p.stop()))) };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    throw err;
  }
}

export async function startPipeline(d: DistPipeline, name: string, opts: PipelineOptions = {}): Promise<Pipeline> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const targets = await startTargets(d, name, opts.frontendExtraArgs);
    started.push(targets);
    const { frontend, backends, byDeployment } = targets;
    const statsd = await startStatsdExporter({ name: `${name}-statsd_exporter`, mapping: d.mapping, args: d.statsdArgs });
    started.push(statsd);
    const interval = `${opts.intervalSeconds ?? 2}s`;
    const prometheus = await startPrometheus({
      name: `${name}-prometheus`,
      config: stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: ['rules.yaml'],
        scrape_configs: scrapeJobs(d, statsd, byDeployment),
      }),
      files: { 'rules.yaml': d.rules },
    });
    started.push(prometheus);
    const hosts: Record<string, string> = {};
    for (const [key, addr] of Object.entries(serviceHosts(d, byDeployment))) hosts[key] = opts.interpose ? await opts.interpose(key, addr) : addr;
    if (opts.extraHosts) Object.assign(hosts, await opts.extraHosts({ ...hosts }));
    const k6 = await startK6Runner({ name: `${name}-k6-runner`, objects: d.objects, injector: d.injector, statsdPort: statsd.statsdPort, hosts });
    started.push(k6);
    const pipeline: Pipeline = {
      dist: d,
      frontend,
      backends,
      statsd,
      prometheus,
      k6,
      hosts,
      stop: async () => {
        await k6.stop();
        await Promise.all([...started, pipeline.frontend].map((p) => p.stop()));
      },
    };
    return pipeline;
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    throw err;
  }
}

/** Alert rules of the shipped rule file, by name, with their expression and labels. */
export interface AlertRuleInfo {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
}

export function alertRules(rulesYaml: string, parse: (s: string) => unknown): AlertRuleInfo[] {
  const doc = parse(rulesYaml) as { groups: { rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] };
  return doc.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ alert: r.alert as string, expr: r.expr, for: r.for, labels: r.labels ?? {} })));
}

export function recordingRules(rulesYaml: string, parse: (s: string) => unknown): { record: string; expr: string; labels: Record<string, string> }[] {
  const doc = parse(rulesYaml) as { groups: { rules: { record?: string; expr: string; labels?: Record<string, string> }[] }[] };
  return doc.groups.flatMap((g) => g.rules.filter((r) => r.record).map((r) => ({ record: r.record as string, expr: r.expr, labels: r.labels ?? {} })));
}

/** Last values of the recording rules matching `recordPattern` for the given flows, for failure messages. */
export async function recordingRuleValues(prom: Prometheus, records: string[], flows: string[]): Promise<string> {
  const lines: string[] = [];
  for (const r of records) {
    const samples = await instantQuery(prom.url, `${r}{flow=~"${flows.join('|')}"}`).catch((e: Error) => [{ metric: { flow: `query error: ${e.message}` } as Record<string, string>, value: [0, 'n/a'] as [number, string] }]);
    if (samples.length === 0) lines.push(`  ${r}: no data`);
    for (const s of samples) lines.push(`  ${r}{flow="${s.metric['flow'] ?? ''}"} = ${s.value[1]}`);
  }
  return lines.join('\n');
}

export function describeAlerts(alerts: Alert[]): string {
  if (alerts.length === 0) return '  (no pending or firing alerts)';
  return alerts
    .map((a) => `  ${a.state} ${a.labels['alertname']}{flow="${a.labels['flow'] ?? ''}",severity="${a.labels['severity'] ?? ''}",short_window="${a.labels['short_window'] ?? ''}"} value=${a.value} activeAt=${a.activeAt ?? ''}`)
    .sort()
    .join('\n');
}

/** The flows of `kind` whose plan URL/target reaches the given Deployment (through its Services). */
export function flowsReaching(d: DistPipeline, dep: KubeObject, kind: 'http' | 'grpc'): string[] {
  return d.plan.flows
    .filter((f) => f.request.kind === kind)
    .filter((f) => {
      const host = f.request.kind === 'http' ? new URL(f.request.url).hostname : new URL(`http://${f.request.target}/`).hostname;
      const svc = d.services.find((s) => s.metadata.name === host);
      const sel = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      return sel !== undefined && matches({ matchLabels: sel }, podLabels(dep));
    })
    .map((f) => f.name);
}

export { listAlerts };
