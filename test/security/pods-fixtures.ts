import { all, Manifest, podSpecs } from '../helpers';

/** A well-formed image digest for pinning tests. */
export const DIGEST = 'sha256:' + '0123456789abcdef'.repeat(4);

/** The pod templates we render ourselves plus the ones the operators render from our CRs. */
export function everyPod(manifests: Manifest[]): { owner: string; spec: any }[] {
  const pods = podSpecs(manifests).map(({ owner, spec }) => ({ owner, spec }));
  for (const g of all(manifests, 'Grafana')) pods.push({ owner: `Grafana/${g.metadata.name} (operator-rendered Deployment)`, spec: g.spec.deployment.spec.template.spec });
  return pods;
}

export const MODES: [string, object][] = [
  ['demo mode (defaults)', {}],
  ['existing-stack mode', { monitoring: { mode: 'existing' } }],
  ['NetworkPolicies off, two replicas, three flows', { security: { networkPolicies: false }, injector: { replicas: 2 }, flows: [{ type: 'http-service', name: 'a' }, { type: 'http-service', name: 'b', path: '/status/200' }, { type: 'http-service', name: 'c', rate: 50 }] }],
  ['per-node injector (DaemonSet), a cross-namespace, a custom and a node-mesh flow (a podinfo DaemonSet)', { injector: { mode: 'daemonset' }, flows: [{ type: 'cross-namespace', name: 'x' }, { type: 'custom', name: 'c', protocol: 'https', url: 'https://example.com/' }, { type: 'http-node-mesh', name: 'm' }] }],
  ['images pinned by digest, Grafana admin from a Secret', { target: { image: `ghcr.io/stefanprodan/podinfo:6.14.1@${DIGEST}` }, injector: { image: `grafana/k6:0.54.0@${DIGEST}`, statsdExporter: { image: `prom/statsd-exporter:v0.30.0@${DIGEST}` } }, monitoring: { demo: { grafana: { adminSecret: { name: 'grafana-admin' } } } } }],
];
