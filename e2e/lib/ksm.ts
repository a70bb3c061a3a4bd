/**
 * A stand-in kube-state-metrics on loopback: the two series the localizing rules join (issue 17),
 * `kube_node_labels` with the zone label KSM exports when `--metric-labels-allowlist` allows it, and
 * `kube_pod_info` with each pod's IP and node, as KSM serves them. Scraped with honor_labels (as
 * kube-prometheus-stack scrapes KSM), so the pod's `namespace` stays.
 */
import * as http from 'node:http';
import { assertLoopbackIPv4 } from './loopback';
import { freePort } from './processes';

export interface KsmNode {
  name: string;
  zone: string;
}

export interface KsmPod {
  namespace: string;
  pod: string;
  ip: string;
  node: string;
}

/** kube-state-metrics' text exposition for the nodes (with zones) and pods (with IPs and nodes). */
export function ksmText(nodes: readonly KsmNode[], pods: readonly KsmPod[]): string {
  const lines = ['# TYPE kube_node_labels gauge'];
  for (const n of nodes) lines.push(`kube_node_labels{node="${n.name}",label_topology_kubernetes_io_zone="${n.zone}"} 1`);
  lines.push('# TYPE kube_pod_info gauge');
  for (const p of pods) {
    assertLoopbackIPv4(`kube_pod_info ${p.pod} pod_ip`, p.ip);
    lines.push(`kube_pod_info{namespace="${p.namespace}",pod="${p.pod}",pod_ip="${p.ip}",node="${p.node}",host_ip="${p.ip}",created_by_kind="ReplicaSet"} 1`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Ksm {
  /** `127.0.0.1:port` of /metrics. */
  readonly address: string;
  /** The Prometheus scrape job for it (honor_labels, as kube-prometheus-stack's). */
  readonly scrapeJob: unknown;
  stop(): Promise<void>;
}

export async function startKsm(nodes: readonly KsmNode[], pods: readonly KsmPod[]): Promise<Ksm> {
  const text = ksmText(nodes, pods);
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text);
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`kube-state-metrics stand-in: cannot listen on 127.0.0.1:${port}: ${e.message}`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = `127.0.0.1:${port}`;
  return {
    address,
    scrapeJob: { job_name: 'kube-state-metrics', honor_labels: true, static_configs: [{ targets: [address] }] },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
