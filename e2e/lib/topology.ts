/**
 * A loopback "cluster" for the fault matrix (issue 15): the Services of dist/ with real network paths
 * that faults can be put on.
 *
 * - Pods: every podinfo Deployment of dist/ runs as `replicas` podinfo processes (3 for the target,
 *   1 for the chain backend), each with a pod address of its own (127.B.0.x, standing for pods on
 *   different nodes). podinfo itself listens on 127.0.0.1:<free port>; a toxiproxy proxy listens on
 *   the pod address at the container port (9898 http, 9999 grpc) and forwards to it. That proxy is the
 *   pod's network path: every packet to the pod, through a Service VIP or straight, crosses it.
 * - Service VIPs: each ClusterIP Service gets a VIP (127.B.1.x). A toxiproxy proxy on VIP:port
 *   forwards to a TCP balancer of ours, which opens each connection to the next pod proxy in turn.
 *   Why a balancer of ours: a toxiproxy proxy has one upstream, and a ClusterIP is one address, so
 *   several A records would be a different (client-side) balancing. kube-proxy picks a backend per
 *   connection (a conntrack entry per connection), and so does this balancer; an RST from the pod
 *   side is passed on as an RST.
 * - DNS: CoreDNS on <127.0.53.x>:53 serves each Service by its short name (what the injector's k6
 *   runner asks with --dns-server: k6 sends the name as written in the URL) and by its
 *   <name>.<namespace>.svc.cluster.local name (what a pod's resolver asks after its search list).
 *   ClusterIP names -> the VIP, headless names -> the pod addresses.
 * - The chain frontend (the target pods, whose --backend-url is a Service URL) resolves its backend
 *   through that CoreDNS: it runs with a Pod's resolv.conf (search list, ndots:5) bind-mounted in a
 *   private mount namespace (resolv.ts).
 * - statsd_exporter + Prometheus with the shipped rules and scrape jobs as the pipeline e2e builds
 *   them, and the k6-compatible runner running dist/'s script unchanged with --dns-server.
 * - Optional (`zones`): nodes and zones. Target pod i runs on node-i, in zones[i % zones.length]; the
 *   injector's node (INJECTOR_NODE) is in zones[0]. A stand-in kube-state-metrics (ksm.ts) serves
 *   kube_node_labels and kube_pod_info (every pod's address), so the localizing rules can name a
 *   destination pod, its node and zone.
 * - Optional (`edge`): the cluster's edge (an Ingress controller's or a Gateway's data plane), the
 *   edge-proxy.ts stand-in routing by Host / :authority. Each edge address's host resolves (CoreDNS) to
 *   an edge address 127.B.2.x, where a toxiproxy proxy on the address's port forwards to the edge
 *   proxy's listener (the edge's network path). The edge proxy sends each route's requests to the
 *   target pods' proxies in turn (per request): ingress-nginx, Envoy Gateway, Istio and Contour balance
 *   over the Service's endpoints (EndpointSlices), not through its ClusterIP, so a VIP fault spares the
 *   edge and a pod fault reaches it.
 */
import * as net from 'node:net';
import { stringify } from 'yaml';
import { findContainer, flagValue, type KubeObject } from './dist';
import { startCoreDNS, type CoreDNS } from './coredns';
import { startEdgeProxy, type EdgeProxy } from './edge-proxy';
import { startKsm, type Ksm } from './ksm';
import { startK6Runner, type K6Runner } from './k6-runner';
import { assertLoopbackIPv4 } from './loopback';
import { INJECTOR_NODE, scrapeJobs, type DistPipeline } from './pipeline';
import { startPodinfo, startPrometheus, startStatsdExporter, freePort, type Podinfo, type Prometheus, type StatsdExporter } from './processes';
import { freeDnsAddress, withResolvConf } from './resolv';
import { startToxiproxy, type Toxiproxy } from './toxiproxy';

export interface ClusterOptions {
  name: string;
  /** Second octet of this cluster's addresses (127.<block>.0.x pods, 127.<block>.1.x VIPs): 16..250, one per concurrent cluster. */
  block: number;
  /** Pods per frontend (target) Deployment (default 3). */
  targetReplicas?: number;
  /** Scrape and rule evaluation interval (default 2 s, as the pipeline e2e). */
  intervalSeconds?: number;
  /** Zones of the nodes: pods get nodes and zones, and a stand-in kube-state-metrics serves them (default: none). */
  zones?: string[];
  /** Edge routes: an edge proxy stand-in behind a toxiproxy proxy per edge address (default: none). */
  edge?: ClusterEdgeRoute[];
}

export interface ClusterEdgeRoute {
  /** What the route carries: HTTP/1.1 by Host header, or gRPC (h2c) by :authority. */
  kind: 'http' | 'grpc';
  /** The host the route matches. */
  hostname: string;
  /** The edge address the flow sends to (`scheme://host[:port]`): its host resolves to the edge. */
  address: string;
}

export interface ClusterEdge {
  proxy: EdgeProxy;
  /** The edge's addresses (127.B.2.x) by the address host that resolves to each. */
  addresses: Record<string, string>;
  /** toxiproxy proxy names in front of the edge proxy's listeners (one per edge address and port). */
  proxies: string[];
}

export interface ClusterPod {
  deployment: string;
  index: number;
  address: string;
  /** The pod's node (with `zones`; else node-<address>) and its zone (with `zones`). */
  node: string;
  zone?: string;
  podinfo: Podinfo;
  /** toxiproxy proxy names by port name ("http", "grpc"). */
  proxies: Record<string, string>;
}

export interface ClusterService {
  name: string;
  headless: boolean;
  /** The VIP (ClusterIP Services) or undefined. */
  vip?: string;
  /** toxiproxy proxy names of the VIP by port name. */
  proxies: Record<string, string>;
  deployment: string;
}

export interface Cluster {
  name: string;
  dist: DistPipeline;
  dns: CoreDNS;
  toxiproxy: Toxiproxy;
  pods: ClusterPod[];
  services: ClusterService[];
  statsd: StatsdExporter;
  prometheus: Prometheus;
  k6: K6Runner;
  /** With `edge`: the edge proxy and its toxiproxy proxies. */
  edge?: ClusterEdge;
  /** With `zones`: the stand-in kube-state-metrics. */
  ksm?: Ksm;
  /** Connections each balancer has opened, by "<service>/<port name>" and pod index. */
  balancerCounts: Record<string, number[]>;
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

interface ServiceSpec {
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: string | number }[];
}

function podLabels(d: KubeObject): Record<string, string> {
  return (d.spec as { template: { metadata: { labels?: Record<string, string> } } }).template.metadata.labels ?? {};
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The container port a named targetPort stands for (podinfo's Deployment names them http, grpc). */
function containerPort(dep: KubeObject, portName: string): number | undefined {
  const c = findContainer(dep, 'podinfo') as { ports?: { name?: string; containerPort: number }[] };
  return c.ports?.find((p) => p.name === portName)?.containerPort;
}

/**
 * A per-connection round-robin TCP balancer on 127.0.0.1:<free port>: the Service's load balancing
 * (kube-proxy picks one endpoint per connection). Errors on one side end the other; a reset from
 * the pod side is passed on as a reset (resetAndDestroy), as a NAT would pass the RST through.
 */
async function startBalancer(name: string, upstreams: { host: string; port: number }[], counts: number[]): Promise<{ port: number } & Stoppable> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const i = next++ % upstreams.length;
    counts[i] = (counts[i] ?? 0) + 1;
    const target = upstreams[i] as { host: string; port: number };
    const up = net.connect(target.port, target.host);
    sockets.add(client).add(up);
    client.pipe(up);
    up.pipe(client);
    const drop = (s: net.Socket): void => void sockets.delete(s);
    client.on('close', () => drop(client));
    up.on('close', () => drop(up));
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') client.resetAndDestroy();
      else client.destroy();
    });
    client.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') up.resetAndDestroy();
      else up.destroy();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`balancer ${name}: cannot listen on 127.0.0.1:${port}: ${e.message}`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startCluster(d: DistPipeline, opts: ClusterOptions): Promise<Cluster> {
  if (!Number.isInteger(opts.block) || opts.block < 16 || opts.block > 250) {
    throw new Error(`cluster ${opts.name}: block ${JSON.stringify(opts.block)} is not allowed: want an integer 16..250 (the second octet of 127.<block>.0.x)`);
  }
  const replicas = opts.targetReplicas ?? 3;
  const started: Stoppable[] = [];
  const stopAllStarted = async (): Promise<void> => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const toxiproxy = await startToxiproxy({ name: `${opts.name}-toxiproxy` });
    started.push(toxiproxy);
    const dnsHost = await freeDnsAddress();
    const ns = d.namespace;
    const search = [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
    const records: Record<string, string[]> = {};
    const addRecord = (svc: string, ips: string[]): void => {
      records[svc] = ips;
      records[`${svc}.${ns}.svc.cluster.local`] = ips;
    };

    // Pods: backends first (the frontend's --backend-url must resolve once it serves), then the frontend.
    const deployments = [...d.backends, d.frontend];
    const pods: ClusterPod[] = [];
    let podHost = 2;
    // CoreDNS first: the frontend pods resolve the backend through it from their first chain call.
    // Its records are filled below, before any pod starts; the zone is written at start, so start it
    // after the addresses are planned.
    const plan = deployments.map((dep) => {
      const n = dep === d.frontend ? replicas : 1;
      return { dep, addresses: Array.from({ length: n }, () => `127.${opts.block}.0.${podHost++}`) };
    });
    const services: ClusterService[] = [];
    let vipHost = 2;
    for (const svc of d.services) {
      const spec = svc.spec as ServiceSpec;
      const entry = plan.find((p) => selects(spec.selector ?? {}, podLabels(p.dep)));
      if (!entry) continue;
      const headless = spec.clusterIP === 'None';
      const vip = headless ? undefined : `127.${opts.block}.1.${vipHost++}`;
      addRecord(svc.metadata.name, headless ? entry.addresses : [vip as string]);
      services.push({ name: svc.metadata.name, headless, vip, proxies: {}, deployment: entry.dep.metadata.name });
    }
    // The edge: each edge address's host resolves to an edge address of its own (127.B.2.x).
    const edgeAddresses: Record<string, string> = {};
    for (const r of opts.edge ?? []) {
      const host = new URL(r.address).hostname;
      if (!host) throw new Error(`cluster ${opts.name}: edge route ${r.hostname}: address ${JSON.stringify(r.address)} names no host; want scheme://host[:port]`);
      if (!(host in edgeAddresses)) {
        edgeAddresses[host] = `127.${opts.block}.2.${Object.keys(edgeAddresses).length + 2}`;
        records[host] = [edgeAddresses[host] as string];
      }
    }
    for (const ips of Object.values(records)) ips.forEach((ip, i) => assertLoopbackIPv4(`cluster ${opts.name} address ${i}`, ip));
    // ttl 0: nothing in the cluster caches an answer, so a DNS fault reaches the next lookup.
    const zones = opts.zones;
    if (zones !== undefined && (zones.length === 0 || zones.some((z) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(z)))) {
      throw new Error(`cluster ${opts.name}: zones ${JSON.stringify(zones)} is not allowed: want one or more label values such as "zone-a"`);
    }
    const dns = await startCoreDNS({ name: `${opts.name}-coredns`, host: dnsHost, port: 53, records, ttl: 0 });
    started.push(dns);

    for (const { dep, addresses } of plan) {
      const args = findContainer(dep, 'podinfo').args ?? [];
      const isFrontend = dep === d.frontend;
      for (const [index, address] of addresses.entries()) {
        const node = zones ? `node-${index}` : `node-${address}`;
        const zone = zones ? (zones[index % zones.length] as string) : undefined;
        const podinfo = await startPodinfo({
          name: `${opts.name}-${dep.metadata.name}-${index}`,
          args,
          env: { NODE_NAME: node, POD_NAME: `${dep.metadata.name}-${index}` },
          grpcPort: true,
          // The frontend's --backend-url is the backend Service's URL, resolved through the cluster DNS.
          wrap: isFrontend && flagValue(args, 'backend-url') !== undefined ? (command, a) => withResolvConf({ nameserver: dnsHost, search, ndots: 5 }, command, a) : undefined,
        });
        started.push(podinfo);
        const proxies: Record<string, string> = {};
        for (const [portName, upstreamPort] of [
          ['http', podinfo.port],
          ['grpc', podinfo.grpcPort],
        ] as const) {
          const listenPort = containerPort(dep, portName);
          if (listenPort === undefined || upstreamPort === undefined) continue;
          const proxyName = `${dep.metadata.name}-${index}-${portName}`;
          await toxiproxy.client.createProxy({ name: proxyName, listen: `${address}:${listenPort}`, upstream: `127.0.0.1:${upstreamPort}` });
          proxies[portName] = proxyName;
        }
        pods.push({ deployment: dep.metadata.name, index, address, node, zone, podinfo, proxies });
      }
    }

    // VIPs: toxiproxy on VIP:port -> balancer -> the pod proxies of the selected pods.
    const balancerCounts: Record<string, number[]> = {};
    for (const s of services.filter((x) => !x.headless)) {
      const spec = d.services.find((x) => x.metadata.name === s.name)?.spec as ServiceSpec;
      const selected = pods.filter((p) => p.deployment === s.deployment);
      for (const port of spec.ports ?? []) {
        const portName = typeof port.targetPort === 'string' ? port.targetPort : undefined;
        if (portName !== 'http' && portName !== 'grpc') continue;
        const upstreams = selected.map((p) => {
          const dep = deployments.find((x) => x.metadata.name === p.deployment) as KubeObject;
          return { host: p.address, port: containerPort(dep, portName) as number };
        });
        const counts: number[] = upstreams.map(() => 0);
        balancerCounts[`${s.name}/${portName}`] = counts;
        const lb = await startBalancer(`${opts.name}-${s.name}-${portName}`, upstreams, counts);
        started.push(lb);
        const proxyName = `${s.name}-vip-${portName}`;
        await toxiproxy.client.createProxy({ name: proxyName, listen: `${s.vip as string}:${port.port}`, upstream: `127.0.0.1:${lb.port}` });
        s.proxies[portName] = proxyName;
      }
    }

    // The edge proxy sends each route's requests to the target's endpoints (the pod proxies) in turn, as
    // Ingress controllers and Gateway data planes do, and sits behind a toxiproxy proxy per edge address.
    let edge: ClusterEdge | undefined;
    if (opts.edge?.length) {
      const selected = pods.filter((p) => p.deployment === d.frontend.metadata.name);
      const upstream: Record<string, string[]> = {};
      for (const kind of ['http', 'grpc'] as const) {
        if (!opts.edge.some((r) => r.kind === kind)) continue;
        const port = containerPort(d.frontend, kind);
        if (port === undefined) throw new Error(`cluster ${opts.name}: the target Deployment ${d.frontend.metadata.name} has no container port named ${kind} for the edge's ${kind} routes`);
        upstream[kind] = selected.map((p) => `${p.address}:${port}`);
      }
      const routes = { http: {} as Record<string, string[]>, grpc: {} as Record<string, string[]> };
      for (const r of opts.edge) routes[r.kind][r.hostname] = upstream[r.kind] as string[];
      const proxy = await startEdgeProxy(routes);
      started.push(proxy);
      const proxies: string[] = [];
      const listeners = new Map<string, 'http' | 'grpc'>();
      for (const r of opts.edge) {
        const u = new URL(r.address);
        const port = u.port || (u.protocol === 'https:' ? '443' : '80');
        const listen = `${edgeAddresses[u.hostname] as string}:${port}`;
        const had = listeners.get(listen);
        if (had === r.kind) continue;
        if (had) throw new Error(`cluster ${opts.name}: edge address ${r.address} carries both http and grpc routes on ${listen}; the stand-in has one listener per protocol: give them different ports`);
        listeners.set(listen, r.kind);
        const name = `edge-${r.kind}-${u.hostname}-${port}`;
        await toxiproxy.client.createProxy({ name, listen, upstream: r.kind === 'grpc' ? proxy.grpcAddress : proxy.httpAddress });
        proxies.push(name);
      }
      edge = { proxy, addresses: edgeAddresses, proxies };
    }

    let ksm: Ksm | undefined;
    if (zones) {
      const nodes = new Map<string, string>([[INJECTOR_NODE, zones[0] as string]]);
      for (const p of pods) nodes.set(p.node, p.zone as string);
      ksm = await startKsm(
        [...nodes].map(([name, zone]) => ({ name, zone })),
        pods.map((p) => ({ namespace: ns, pod: `${p.deployment}-${p.index}`, ip: p.address, node: p.node })),
      );
      started.push(ksm);
    }

    const statsd = await startStatsdExporter({ name: `${opts.name}-statsd_exporter`, mapping: d.mapping, args: d.statsdArgs });
    started.push(statsd);
    const byDeployment = new Map<string, Podinfo[]>();
    for (const p of pods) byDeployment.set(p.deployment, [...(byDeployment.get(p.deployment) ?? []), p.podinfo]);
    const interval = `${opts.intervalSeconds ?? 2}s`;
    const prometheus = await startPrometheus({
      name: `${opts.name}-prometheus`,
      config: stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: ['rules.yaml'],
        scrape_configs: [...scrapeJobs(d, statsd, byDeployment), ...(ksm ? [ksm.scrapeJob] : [])],
      }),
      files: { 'rules.yaml': d.rules },
    });
    started.push(prometheus);
    const k6 = await startK6Runner({ name: `${opts.name}-k6-runner`, objects: d.objects, injector: d.injector, statsdPort: statsd.statsdPort, dnsServer: `${dnsHost}:53` });
    started.push(k6);
    return { name: opts.name, dist: d, dns, toxiproxy, pods, services, statsd, prometheus, k6, edge, ksm, balancerCounts, stop: stopAllStarted };
  } catch (err) {
    await stopAllStarted();
    throw err;
  }
}

/** The Service of the cluster by name; throws naming the known ones. */
export function service(c: Cluster, name: string): ClusterService {
  const s = c.services.find((x) => x.name === name);
  if (!s) throw new Error(`cluster ${c.name}: no Service ${JSON.stringify(name)}; have ${c.services.map((x) => x.name).join(', ')}`);
  return s;
}

/** statsd_exporter's series (lines of /metrics) per flow label, for the cost numbers. */
export async function seriesPerFlow(c: Cluster): Promise<Record<string, number>> {
  const text = await (await fetch(`${c.statsd.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const m = /[{,]flow="([^"]*)"/.exec(line);
    const flow = m ? (m[1] as string) : '(no flow)';
    out[flow] = (out[flow] ?? 0) + 1;
  }
  return out;
}
