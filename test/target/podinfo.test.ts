import { selectorMatches } from '../support/labels';
import { PODINFO_PORTS } from '../../lib/model/model';
import { all, find, synth } from '../helpers';

const podinfos = (ms: ReturnType<typeof synth>) => all(ms, 'Deployment').filter((d) => d.spec.template.metadata.labels['app.kubernetes.io/name'] === 'podinfo');
const args = (d: { spec?: any }): string[] => d.spec.template.spec.containers[0].args;

describe('podinfo targets (default flows)', () => {
  // GIVEN the default config WHEN it is synthesized
  const manifests = synth();

  test('a headless Service selects exactly the main target pods, with the http and grpc ports', () => {
    const headless = find(manifests, 'Service', 'continuous-load-target-headless');
    const target = find(manifests, 'Deployment', 'continuous-load-target');
    const backend = find(manifests, 'Deployment', 'continuous-load-backend');
    // THEN it has no cluster IP, so its DNS name answers with the pod IPs
    expect(headless.spec.clusterIP).toBe('None');
    expect(selectorMatches({ matchLabels: headless.spec.selector }, target.spec.template.metadata.labels)).toBe(true);
    expect(selectorMatches({ matchLabels: headless.spec.selector }, backend.spec.template.metadata.labels)).toBe(false);
    expect(headless.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', PODINFO_PORTS.http, 'http'],
      ['grpc', PODINFO_PORTS.grpc, 'grpc'],
    ]);
  });

  test("the frontend's --backend-url is the backend Service's /echo, and that Service selects the backend pods", () => {
    const target = find(manifests, 'Deployment', 'continuous-load-target');
    const backendSvc = find(manifests, 'Service', 'continuous-load-backend');
    const backend = find(manifests, 'Deployment', 'continuous-load-backend');
    expect(args(target)).toContain(`--backend-url=http://continuous-load-backend:${backendSvc.spec.ports[0].port}/echo`);
    expect(backendSvc.spec.ports[0].name).toBe('http');
    expect(selectorMatches({ matchLabels: backendSvc.spec.selector }, backend.spec.template.metadata.labels)).toBe(true);
    // AND the backend itself forwards nowhere (the chain has two hops, not a loop)
    expect(args(backend).filter((a) => a.startsWith('--backend-url'))).toEqual([]);
  });

  test('every podinfo Deployment spreads on zone and hostname over its own pods and exposes NODE_NAME from the downward API', () => {
    expect(podinfos(manifests).length).toBe(2);
    for (const d of podinfos(manifests)) {
      const spec = d.spec.template.spec;
      expect(spec.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.labelSelector])).toEqual([
        ['topology.kubernetes.io/zone', d.spec.selector],
        ['kubernetes.io/hostname', d.spec.selector],
      ]);
      expect(spec.containers[0].env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    }
  });
});

describe('a cross-namespace flow', () => {
  // GIVEN a cross-namespace flow WHEN the config is synthesized
  const manifests = synth({ flows: [{ type: 'http-service', name: 'svc' }, { type: 'cross-namespace', name: 'remote', namespace: 'team-b' }] });

  test('creates the namespace (restricted, like ours) with a podinfo Deployment, Service and PDB in it', () => {
    const ns = find(manifests, 'Namespace', 'team-b');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const dep = find(manifests, 'Deployment', 'continuous-load-remote');
    const svc = find(manifests, 'Service', 'continuous-load-remote');
    const pdb = find(manifests, 'PodDisruptionBudget', 'continuous-load-remote');
    for (const o of [dep, svc, pdb]) expect(o.metadata.namespace).toBe('team-b');
    expect(selectorMatches({ matchLabels: svc.spec.selector }, dep.spec.template.metadata.labels)).toBe(true);
    expect(dep.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('the namespace comes before the objects in it, in apply order', () => {
    const i = manifests.findIndex((m) => m.kind === 'Namespace' && m.metadata.name === 'team-b');
    const j = manifests.findIndex((m) => m.metadata.namespace === 'team-b');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(j);
  });

  test("demo Prometheus may discover the remote endpoints: its Role is bound in the remote namespace too", () => {
    const sa = find(manifests, 'ServiceAccount');
    const rb = all(manifests, 'RoleBinding').find((r) => r.metadata.namespace === 'team-b');
    const role = all(manifests, 'Role').find((r) => r.metadata.namespace === 'team-b');
    expect(rb?.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'continuous-load' }]);
    expect(rb?.roleRef.name).toBe(role?.metadata.name);
    expect(role?.rules).toContainEqual({ apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] });
  });
});
