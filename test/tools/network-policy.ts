import { selectorMatches } from '../support/labels';
import { Manifest } from '../helpers';

/**
 * NetworkPolicy semantics (networking.k8s.io/v1, as the Kubernetes docs define them), to ask
 * "may A open a connection to B on port P" of a set of synthesized policies:
 * a pod is isolated for a direction when any policy in its namespace selects it with that policy type;
 * an isolated pod allows what the union of those policies' rules allows; a connection needs both the
 * sender's egress and the receiver's ingress. Traffic outside the pod network (an IP) is not policed.
 */
export interface PodEndpoint {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ip: string;
}
export interface IpEndpoint {
  readonly name: string;
  readonly ip: string;
}
export type Endpoint = PodEndpoint | IpEndpoint;

const isPod = (e: Endpoint): e is PodEndpoint => 'namespace' in e;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = Number(bits);
  if (n === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - n);
  const and = (x: number) => Number((BigInt(x) & BigInt(mask)).toString());
  return and(ipv4ToInt(base)) === and(ipv4ToInt(ip));
}

function peerMatches(peer: any, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!cidrContains(peer.ipBlock.cidr, e.ip)) return false;
    return !(peer.ipBlock.except ?? []).some((c: string) => cidrContains(c, e.ip));
  }
  if (!isPod(e)) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': e.namespace })) return false;
  } else if (e.namespace !== policyNamespace) return false;
  return peer.podSelector ? selectorMatches(peer.podSelector, e.labels) : true;
}

function portMatches(rulePorts: any[] | undefined, port: number, protocol: string): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (p.port <= port && port <= (p.endPort ?? p.port))));
}

function sideAllows(policies: Manifest[], pod: Endpoint, other: Endpoint, port: number, protocol: string, type: 'Ingress' | 'Egress'): boolean {
  if (!isPod(pod)) return true;
  const selecting = policies.filter(
    (p) => p.metadata.namespace === pod.namespace && selectorMatches(p.spec.podSelector, pod.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(type),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((type === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some(
      (rule: any) =>
        portMatches(rule.ports, port, protocol) &&
        ((type === 'Ingress' ? rule.from : rule.to) === undefined || (type === 'Ingress' ? rule.from : rule.to).some((peer: any) => peerMatches(peer, p.metadata.namespace!, other))),
    ),
  );
}

/** Whether `from` may connect to `to` on `port`/`protocol` under the given NetworkPolicies. */
export function connectionAllowed(policies: Manifest[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  return sideAllows(policies, from, to, port, protocol, 'Egress') && sideAllows(policies, to, from, port, protocol, 'Ingress');
}

/** Every allowed `from → to port/protocol` among endpoints, where at least one end is in `namespace`. */
export function allowedMatrix(policies: Manifest[], endpoints: Endpoint[], ports: [number, string][], namespace: string): string[] {
  const out: string[] = [];
  for (const from of endpoints) {
    for (const to of endpoints) {
      if (from === to) continue;
      const ours = (e: Endpoint) => isPod(e) && e.namespace === namespace;
      if (!ours(from) && !ours(to)) continue;
      for (const [port, protocol] of ports) if (connectionAllowed(policies, from, to, port, protocol)) out.push(`${from.name} -> ${to.name} ${port}/${protocol}`);
    }
  }
  return out.sort();
}
