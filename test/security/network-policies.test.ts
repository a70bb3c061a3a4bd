import { all, find, Manifest, model, synth } from '../helpers';
import { allowedMatrix, cidrContains, connectionAllowed, Endpoint, PodEndpoint } from '../tools/network-policy';
import { App, Chart } from 'cdk8s';
import { flowPaths, networkPaths } from '../../lib/model/network';
import { NetworkPolicies } from '../../lib/security/network-policies';

const NS = 'continuous-load';
/** Every port anything here listens on or might try, both protocols where it matters. */
const PORTS: [number, string][] = [
  [9898, 'TCP'], [9999, 'TCP'], [9797, 'TCP'], [9102, 'TCP'], [9125, 'UDP'], [6565, 'TCP'],
  [9090, 'TCP'], [3000, 'TCP'], [53, 'UDP'], [53, 'TCP'], [443, 'TCP'], [6443, 'TCP'], [80, 'TCP'],
];

/** The pods of a synth, as the cluster would run them (operator-made pods with the operators' labels). */
function endpoints(m: Manifest[], mode: 'demo' | 'existing'): Endpoint[] {
  const tmpl = (name: string, ns = NS) => m.find((o) => ['Deployment', 'DaemonSet'].includes(o.kind) && o.metadata.name === name && o.metadata.namespace === ns)?.spec.template.metadata.labels;
  const pods: Endpoint[] = [
    { name: 'injector', namespace: NS, labels: tmpl('continuous-load-injector'), ip: '10.244.1.10' },
    { name: 'target', namespace: NS, labels: tmpl('continuous-load-target'), ip: '10.244.1.11' },
    { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.0.2' },
    { name: 'stranger', namespace: 'default', labels: { app: 'curl' }, ip: '10.244.2.7' },
    { name: 'apiserver', ip: '10.0.0.1' },
    { name: 'internet', ip: '1.1.1.1' },
  ];
  if (tmpl('continuous-load-backend')) pods.push({ name: 'backend', namespace: NS, labels: tmpl('continuous-load-backend'), ip: '10.244.1.14' });
  for (const ns of all(m, 'Namespace').map((n) => n.metadata.name).filter((n) => n !== NS)) {
    pods.push({ name: `remote-${ns}`, namespace: ns, labels: tmpl('continuous-load-remote', ns), ip: '10.244.6.6' });
  }
  if (mode === 'demo') {
    pods.push(
      // prometheus-operator v0.93.0 makeSelectorLabels() plus the shard label
      {
        name: 'prometheus',
        namespace: NS,
        labels: { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'continuous-load', 'operator.prometheus.io/name': 'continuous-load', prometheus: 'continuous-load', 'operator.prometheus.io/shard': '0' },
        ip: '10.244.1.12',
      },
      // grafana-operator v5.24.0 getDeploymentSpec(): the pod label app=<Grafana CR name>
      { name: 'grafana', namespace: NS, labels: { app: 'continuous-load' }, ip: '10.244.1.13' },
      { name: 'grafana-operator', namespace: 'grafana-operator', labels: { 'app.kubernetes.io/name': 'grafana-operator' }, ip: '10.244.3.4' },
    );
  } else {
    pods.push(
      { name: 'existing-prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus', prometheus: 'kube-prometheus-stack-prometheus' }, ip: '10.244.4.4' },
      { name: 'existing-grafana', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' }, ip: '10.244.4.5' },
    );
  }
  return pods;
}

const DNS = (who: string[]) => who.flatMap((w) => [`${w} -> kube-dns 53/TCP`, `${w} -> kube-dns 53/UDP`]);

describe('tenant-perspective NetworkPolicies', () => {
  test('demo mode allows exactly the paths the flows and the monitoring need, and nothing else', () => {
    // GIVEN the demo synth (default flows: http-service, http-fresh, http-pod-direct, grpc, chain) with the API server pinned to one address
    const m = synth({ security: { apiServer: { cidrs: ['10.0.0.1/32'] } } });
    const policies = all(m, 'NetworkPolicy');
    // WHEN every pair of endpoints is tried on every port
    const allowed = allowedMatrix(policies, endpoints(m, 'demo'), PORTS, NS);
    // THEN exactly these connections are possible
    expect(allowed).toEqual(
      [
        'injector -> target 9898/TCP',
        'injector -> target 9999/TCP',
        'target -> backend 9898/TCP',
        ...DNS(['injector', 'target', 'backend', 'prometheus', 'grafana']),
        'prometheus -> target 9797/TCP',
        'prometheus -> backend 9797/TCP',
        'prometheus -> injector 9102/TCP',
        'prometheus -> apiserver 443/TCP',
        'prometheus -> apiserver 6443/TCP',
        'grafana -> prometheus 9090/TCP',
        'grafana-operator -> grafana 3000/TCP',
      ].sort(),
    );
  });

  test('existing-stack mode lets the existing Prometheus scrape our metrics ports, nothing more', () => {
    const m = synth({ monitoring: { mode: 'existing' } });
    const allowed = allowedMatrix(all(m, 'NetworkPolicy'), endpoints(m, 'existing'), PORTS, NS);
    expect(allowed).toEqual(
      [
        'injector -> target 9898/TCP',
        'injector -> target 9999/TCP',
        'target -> backend 9898/TCP',
        ...DNS(['injector', 'target', 'backend']),
        'existing-prometheus -> target 9797/TCP',
        'existing-prometheus -> backend 9797/TCP',
        'existing-prometheus -> injector 9102/TCP',
      ].sort(),
    );
  });

  test('every flow reaches its target on the port of its URL: the policy and the load plan agree', () => {
    const input = { flows: [{ type: 'http-service' as const, name: 'a' }, { type: 'http-service' as const, name: 'b', path: '/status/200', rate: 3 }] };
    const m = synth(input);
    const eps = endpoints(m, 'demo');
    const [injector, target] = eps as PodEndpoint[];
    for (const f of model(input).flows) {
      const port = f.request.kind === "http" ? Number(new URL(f.request.url).port) : Number(f.request.target.split(":").pop());
      expect([f.name, connectionAllowed(all(m, 'NetworkPolicy'), injector, target, port)]).toEqual([f.name, true]);
    }
    // AND both flows share one readable pair of policies, which name both flows
    const egress = find(m, 'NetworkPolicy', 'continuous-load-injector-to-target-egress');
    expect((egress.metadata.annotations as Record<string, string>)['continuous-load/description']).toBe("flows a, b: the injector's requests to the target");
  });

  test('the default deny comes first and selects every pod in both directions', () => {
    const policies = all(synth(), 'NetworkPolicy');
    expect(policies[0].metadata.name).toBe('continuous-load-default-deny');
    expect(policies[0].spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('policy names are readable and stable: <name>-<from>-to-<to>-<direction>', () => {
    const names = all(synth(), 'NetworkPolicy').map((p) => p.metadata.name);
    expect(names).toEqual([
      'continuous-load-default-deny',
      'continuous-load-injector-to-target-egress',
      'continuous-load-injector-to-target-ingress',
      'continuous-load-target-to-backend-egress',
      'continuous-load-target-to-backend-ingress',
      'continuous-load-pods-to-dns-egress',
      'continuous-load-prometheus-to-injector-egress',
      'continuous-load-prometheus-to-injector-ingress',
      'continuous-load-prometheus-to-target-egress',
      'continuous-load-prometheus-to-target-ingress',
      'continuous-load-prometheus-to-backend-egress',
      'continuous-load-prometheus-to-backend-ingress',
      'continuous-load-prometheus-to-apiserver-egress',
      'continuous-load-grafana-to-prometheus-egress',
      'continuous-load-grafana-to-prometheus-ingress',
      'continuous-load-grafana-operator-to-grafana-ingress',
    ]);
  });

  test('DNS, the API server and the grafana-operator are configurable for other clusters', () => {
    const m = synth({
      security: { dns: { namespace: 'dns', podLabels: { app: 'coredns' } }, grafanaOperator: { namespace: 'operators' }, apiServer: { cidrs: ['192.168.0.10/32'], ports: [8443] } },
    });
    const p = all(m, 'NetworkPolicy');
    const injector = endpoints(m, 'demo')[0];
    const prometheus = endpoints(m, 'demo').find((e) => e.name === 'prometheus')!;
    const grafana = endpoints(m, 'demo').find((e) => e.name === 'grafana')!;
    expect(connectionAllowed(p, injector, { name: 'coredns', namespace: 'dns', labels: { app: 'coredns' }, ip: '10.244.0.3' }, 53, 'UDP')).toBe(true);
    expect(connectionAllowed(p, injector, { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.0.2' }, 53, 'UDP')).toBe(false);
    expect(connectionAllowed(p, prometheus, { name: 'api', ip: '192.168.0.10' }, 8443)).toBe(true);
    expect(connectionAllowed(p, prometheus, { name: 'api', ip: '192.168.0.10' }, 443)).toBe(false);
    const operatorIn = (namespace: string) => ({ name: 'op', namespace, labels: { 'app.kubernetes.io/name': 'grafana-operator' }, ip: '10.244.3.4' });
    expect(connectionAllowed(p, operatorIn('operators'), grafana, 3000)).toBe(true);
    expect(connectionAllowed(p, operatorIn('elsewhere'), grafana, 3000)).toBe(false);
  });

  test('switched off, no NetworkPolicy is synthesized', () => {
    expect(all(synth({ security: { networkPolicies: false } }), 'NetworkPolicy')).toEqual([]);
  });

  test('flows contribute their own paths: one path per http-service flow, injector to target', () => {
    const mdl = model({ flows: [{ type: 'http-service', name: 'a' }] });
    expect(flowPaths(mdl, mdl.flows[0])).toEqual([
      { from: { role: 'injector', pods: mdl.injector.selector }, to: { role: 'target', pods: mdl.target.selector }, ports: [{ port: 9898, protocol: 'TCP' }], why: "the injector's requests to the target", flows: ['a'] },
    ]);
    expect(networkPaths(mdl).filter((p) => p.from.role === 'injector')).toHaveLength(1);
  });

  test('each flow type opens exactly its own paths', () => {
    // GIVEN one flow of a type at a time (objectives default), demo mode, the API server pinned
    const only = (flow: object) => {
      const m = synth({ flows: [flow as never], security: { apiServer: { cidrs: ['10.0.0.1/32'] } } });
      return allowedMatrix(all(m, 'NetworkPolicy'), endpoints(m, 'demo'), PORTS, NS).filter((c) => /^(injector|target|backend|remote-\S+) ->/.test(c) && !/kube-dns/.test(c));
    };
    // THEN each opens what it sends, and nothing more
    expect(only({ type: 'http-service', name: 'a' })).toEqual(['injector -> target 9898/TCP']);
    expect(only({ type: 'http-fresh', name: 'a' })).toEqual(['injector -> target 9898/TCP']);
    expect(only({ type: 'http-pod-direct', name: 'a' })).toEqual(['injector -> target 9898/TCP']);
    expect(only({ type: 'grpc', name: 'a' })).toEqual(['injector -> target 9999/TCP']);
    expect(only({ type: 'chain', name: 'a' })).toEqual(['injector -> target 9898/TCP', 'target -> backend 9898/TCP']);
    // a cross-namespace target lives in a namespace we create, which gets its own default deny
    expect(only({ type: 'cross-namespace', name: 'a' })).toEqual(['injector -> remote-continuous-load-remote 9898/TCP']);
  });

  test('a cross-namespace target is guarded in its own namespace: DNS and Prometheus paths, nothing else', () => {
    const m = synth({ flows: [{ type: 'cross-namespace', name: 'a', namespace: 'far-away' }], security: { apiServer: { cidrs: ['10.0.0.1/32'] } } });
    const policies = all(m, 'NetworkPolicy');
    expect(policies.filter((p) => p.metadata.namespace === 'far-away').map((p) => p.metadata.name)).toEqual([
      'continuous-load-default-deny',
      'continuous-load-injector-to-remote-far-away-ingress',
      'continuous-load-pods-to-dns-egress',
      'continuous-load-prometheus-to-remote-far-away-ingress',
    ]);
    const allowed = allowedMatrix(policies, endpoints(m, 'demo'), PORTS, 'far-away');
    expect(allowed).toEqual(['injector -> remote-far-away 9898/TCP', 'prometheus -> remote-far-away 9797/TCP', 'remote-far-away -> kube-dns 53/TCP', 'remote-far-away -> kube-dns 53/UDP']);
  });

  test('a custom flow may reach its URL wherever it runs, on the URL port only', () => {
    const m = synth({
      flows: [
        { type: 'custom', name: 'shop', protocol: 'https', url: 'https://shop.example.com/health' },
        { type: 'custom', name: 'api', protocol: 'grpc', url: 'grpc://api.other-team:9000' },
      ],
    });
    const p = all(m, 'NetworkPolicy');
    const [injector] = endpoints(m, 'demo') as PodEndpoint[];
    const otherTeam: PodEndpoint = { name: 'api', namespace: 'other-team', labels: { app: 'api' }, ip: '10.244.9.9' };
    expect(connectionAllowed(p, injector, { name: 'shop', ip: '93.184.216.34' }, 443)).toBe(true);
    expect(connectionAllowed(p, injector, { name: 'shop', ip: '93.184.216.34' }, 80)).toBe(false);
    expect(connectionAllowed(p, injector, otherTeam, 9000)).toBe(true);
    expect(connectionAllowed(p, injector, otherTeam, 9001)).toBe(false);
    expect(p.map((x) => x.metadata.name)).toEqual(expect.arrayContaining(['continuous-load-injector-to-custom-shop-egress', 'continuous-load-injector-to-custom-api-egress']));
  });

  test('a second namespace we own gets its own default deny, and cross-namespace paths get policies on both sides', () => {
    // GIVEN a path from the injector to a target in another namespace we own (as a cross-namespace flow would add)
    const mdl = model();
    const remote = { role: 'remote-target', namespace: 'continuous-load-remote', pods: mdl.target.selector };
    const chart = new Chart(new App(), 'c');
    new NetworkPolicies(chart, 'p', {
      model: mdl,
      namespaces: ['continuous-load', 'continuous-load-remote'],
      paths: [...networkPaths(mdl), { from: { role: 'injector', pods: mdl.injector.selector }, to: remote, ports: [{ port: 9898, protocol: 'TCP' }], why: 'flow x' }],
    });
    const policies = chart.toJson() as Manifest[];
    // THEN both namespaces deny by default, and only the injector reaches the remote target, on 9898 only
    expect(policies.filter((p) => p.metadata.name === 'continuous-load-default-deny').map((p) => p.metadata.namespace)).toEqual(['continuous-load', 'continuous-load-remote']);
    const eps = endpoints(synth(), 'demo');
    const remotePod: PodEndpoint = { name: 'remote-target', namespace: 'continuous-load-remote', labels: { ...mdl.target.labels }, ip: '10.244.5.5' };
    const [injector, target] = eps as PodEndpoint[];
    expect(connectionAllowed(policies, injector, remotePod, 9898)).toBe(true);
    expect(connectionAllowed(policies, injector, remotePod, 9797)).toBe(false);
    expect(connectionAllowed(policies, target, remotePod, 9898)).toBe(false);
    expect(connectionAllowed(policies, { ...injector, namespace: 'default' }, remotePod, 9898)).toBe(false);
  });

  test('the evaluator itself: CIDRs and isolation behave as the NetworkPolicy docs say', () => {
    expect(cidrContains('10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(cidrContains('10.0.0.1/32', '10.0.0.2')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '1.1.1.1')).toBe(true);
    const a: PodEndpoint = { name: 'a', namespace: 'x', labels: { app: 'a' }, ip: '10.0.0.1' };
    const b: PodEndpoint = { name: 'b', namespace: 'x', labels: { app: 'b' }, ip: '10.0.0.2' };
    // no policy: everything allowed; a deny-all ingress on b: nothing reaches b
    expect(connectionAllowed([], a, b, 80)).toBe(true);
    const denyB = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'd', namespace: 'x' }, spec: { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] } };
    expect(connectionAllowed([denyB], a, b, 80)).toBe(false);
    expect(connectionAllowed([denyB], b, a, 80)).toBe(true);
  });
});
