import { edgeFlowPaths } from './edge-network';
import { INJECTOR_PORTS, Model, PODINFO_PORTS, ResolvedFlow, TargetModel } from './model';
import { NODE_MESH_ROLE } from './node-mesh';

/** Port of the `prometheus-operated` Service and of the Prometheus pods' `web` port. */
export const PROMETHEUS_PORT = 9090;
/** Port of the Grafana pods the grafana-operator creates (`GrafanaHTTPPort` in grafana-operator v5.24.0). */
export const GRAFANA_PORT = 3000;
const DNS_PORT = 53;

export type Labels = Readonly<Record<string, string>>;

/**
 * One end of a network path. `namespace` undefined means our own namespace; `'*'` means any namespace.
 * We write policies for an end only when it is in a namespace we own (see ownedNamespaces).
 * `pods` undefined means every pod of the namespace; `cidrs` means addresses outside the pod network.
 */
export interface Peer {
  /** Readable role, used in object names: `injector`, `target`, `dns`… */
  readonly role: string;
  readonly pods?: Labels;
  readonly namespace?: string;
  readonly cidrs?: readonly string[];
  /** Any pod in any namespace and any address: a custom flow's target, which may run anywhere. */
  readonly anywhere?: boolean;
}

interface NetworkPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** An allowed connection: who opens it, to whom, on which ports, and why. */
export interface NetworkPath {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly NetworkPort[];
  /** One sentence, rendered as the policies' description annotation. */
  readonly why: string;
  /** The flows that need this path, named in the description. */
  readonly flows?: readonly string[];
}

/** The description of a path's policies: the flows that need it, then why. */
export function describePath(path: NetworkPath): string {
  if (!path.flows?.length) return path.why;
  return `${path.flows.length === 1 ? 'flow' : 'flows'} ${path.flows.join(', ')}: ${path.why}`;
}

const tcp = (port: number): NetworkPort => ({ port, protocol: 'TCP' });

/** The pods the Prometheus operator runs for our Prometheus CR (its documented pod labels). */
function prometheusPodLabels(model: Model): Labels {
  return { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': model.monitoring.prometheusName };
}

/** The pods the grafana-operator runs for our Grafana CR (its Deployment selector, `app: <name>`). */
function grafanaPodLabels(model: Model): Labels {
  return { app: model.monitoring.grafanaName };
}

/**
 * The paths one flow needs, from the flow's type and resolved request. Each flow type contributes its
 * own, so a new type must say what it opens (this switch does not compile until it does).
 */
export function flowPaths(model: Model, flow: ResolvedFlow): NetworkPath[] {
  const injector: Peer = { role: 'injector', pods: model.injector.selector };
  const podinfo = (role: TargetModel['role'], namespace?: string): Peer => {
    const t = model.targets.find((x) => x.role === role && (namespace === undefined || x.namespace === namespace));
    if (!t) throw new Error(`flow ${flow.name}: no ${role} podinfo${namespace ? ` in ${namespace}` : ''} in the model`);
    return { role: role === 'remote' ? `remote-${t.namespace}` : role, pods: t.selector, namespace: t.namespace === model.namespace ? undefined : t.namespace };
  };
  const flows = [flow.name];
  const from = (to: Peer, port: number, why: string): NetworkPath => ({ from: injector, to, ports: [tcp(port)], why, flows });
  switch (flow.type) {
    case 'http-service':
    case 'http-fresh':
    case 'http-pod-direct':
      return [from(podinfo('target'), PODINFO_PORTS.http, "the injector's requests to the target")];
    case 'http-node-mesh':
      return [from(podinfo(NODE_MESH_ROLE), PODINFO_PORTS.http, "the injector's requests to the target pod on every node")];
    case 'grpc':
      return [from(podinfo('target'), PODINFO_PORTS.grpc, "the injector's requests to the target")];
    case 'chain':
      return [
        from(podinfo('target'), PODINFO_PORTS.http, "the injector's requests to the target"),
        { from: podinfo('target'), to: podinfo('backend'), ports: [tcp(PODINFO_PORTS.http)], why: 'the target (the chain frontend) forwards to the backend', flows },
      ];
    case 'cross-namespace': {
      const host = new URL((flow.request as { url: string }).url).hostname;
      const ns = model.remoteNamespaces.find((n) => host.endsWith(`.${n}`));
      return [from(podinfo('remote', ns), PODINFO_PORTS.http, "the injector's requests to the target in another namespace")];
    }
    case 'custom': {
      const r = flow.request;
      const port = r.kind === 'grpc' ? Number(r.target.slice(r.target.lastIndexOf(':') + 1)) : urlPort(r.url);
      return [from({ role: `custom-${flow.name}`, anywhere: true }, port, `the injector's requests to ${r.kind === 'grpc' ? r.target : new URL(r.url).host}, wherever it runs`)];
    }
    case 'ingress':
    case 'gateway-http':
    case 'gateway-grpc':
      return edgeFlowPaths(model, flow, injector, podinfo('target'));
  }
}

/** The port of an http(s) URL, with the scheme's default. */
function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/**
 * The namespaces we own and guard with a default deny: ours, plus any other namespace we create pods in
 * (a flow type that runs targets elsewhere adds its namespaces here).
 */
export function ownedNamespaces(model: Model): string[] {
  return [model.namespace, ...model.remoteNamespaces];
}

/** Every connection our pods need, and nothing else: the allow-list behind the default deny. */
export function networkPaths(model: Model): NetworkPath[] {
  const sec = model.security;
  const dns: Peer = { role: 'dns', namespace: sec.dns.namespace, pods: sec.dns.podLabels };
  const injector: Peer = { role: 'injector', pods: model.injector.selector };
  const paths: NetworkPath[] = [
    ...mergePaths(model.flows.flatMap((f) => flowPaths(model, f))),
    ...ownedNamespaces(model).map(
      (ns): NetworkPath => ({
        from: { role: 'pods', namespace: ns === model.namespace ? undefined : ns },
        to: dns,
        ports: [{ port: DNS_PORT, protocol: 'UDP' }, tcp(DNS_PORT)],
        why: 'every pod here resolves names with the cluster DNS',
      }),
    ),
  ];
  if (model.monitoring.mode === 'demo') {
    const prometheus: Peer = { role: 'prometheus', pods: prometheusPodLabels(model) };
    const grafana: Peer = { role: 'grafana', pods: grafanaPodLabels(model) };
    paths.push(
      { from: prometheus, to: injector, ports: [tcp(INJECTOR_PORTS.statsdMetrics)], why: 'Prometheus scrapes the statsd-exporter sidecar' },
      ...targetPeers(model).map((t): NetworkPath => ({ from: prometheus, to: t, ports: [tcp(PODINFO_PORTS.metrics)], why: 'Prometheus scrapes the podinfo metrics port' })),
      { from: prometheus, to: { role: 'apiserver', cidrs: sec.apiServer.cidrs }, ports: sec.apiServer.ports.map(tcp), why: 'Prometheus discovers pods and endpoints through the Kubernetes API' },
      { from: grafana, to: prometheus, ports: [tcp(PROMETHEUS_PORT)], why: 'Grafana queries Prometheus' },
      {
        from: { role: 'grafana-operator', namespace: sec.grafanaOperator.namespace ?? '*', pods: sec.grafanaOperator.podLabels },
        to: grafana,
        ports: [tcp(GRAFANA_PORT)],
        why: 'the grafana-operator loads the datasource and the dashboard through the Grafana API',
      },
    );
  } else {
    const prometheus: Peer = { role: 'prometheus', namespace: model.monitoring.existingNamespace, pods: sec.existingPrometheus.podLabels };
    paths.push(
      { from: prometheus, to: injector, ports: [tcp(INJECTOR_PORTS.statsdMetrics)], why: 'the existing Prometheus scrapes the statsd-exporter sidecar' },
      ...targetPeers(model).map((t): NetworkPath => ({ from: prometheus, to: t, ports: [tcp(PODINFO_PORTS.metrics)], why: 'the existing Prometheus scrapes the podinfo metrics port' })),
    );
  }
  return paths;
}

/** Every podinfo we run (main target, chain backend, remote targets) as a path end. */
function targetPeers(model: Model): Peer[] {
  return model.targets.map((t) => ({
    role: t.role === 'remote' ? `remote-${t.namespace}` : t.role,
    pods: t.selector,
    namespace: t.namespace === model.namespace ? undefined : t.namespace,
  }));
}

/** Paths with the same ends become one, with the union of their ports (sorted) and reasons. */
function mergePaths(paths: readonly NetworkPath[]): NetworkPath[] {
  const byEnds = new Map<string, NetworkPath>();
  for (const p of paths) {
    const key = JSON.stringify([p.from.role, p.from.namespace, p.to.role, p.to.namespace]);
    const seen = byEnds.get(key);
    if (!seen) {
      byEnds.set(key, p);
      continue;
    }
    const ports = [...seen.ports, ...p.ports].filter((x, i, a) => a.findIndex((y) => y.port === x.port && y.protocol === x.protocol) === i);
    ports.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    const flows = [...new Set([...(seen.flows ?? []), ...(p.flows ?? [])])];
    byEnds.set(key, { ...seen, ports, why: seen.why === p.why ? seen.why : `${seen.why}; ${p.why}`, ...(flows.length ? { flows } : {}) });
  }
  return [...byEnds.values()];
}
