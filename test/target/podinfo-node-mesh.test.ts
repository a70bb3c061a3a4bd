import { selectorMatches } from '../support/labels';
import { PODINFO_PORTS } from '../../lib/model/model';
import { all, find, synth } from '../helpers';
import { connectionAllowed, PodEndpoint } from '../tools/network-policy';

/** The per-node podinfo of a node-mesh flow (lib/target/podinfo.ts with a `perNode` target). */
describe('the per-node target of a node-mesh flow', () => {
  // GIVEN a config with a node-mesh flow besides the defaults, injector in DaemonSet mode WHEN it is synthesized
  const m = synth({ injector: { mode: 'daemonset' }, flows: [{ type: 'http-pod-direct', name: 'pod-direct' }, { type: 'http-node-mesh', name: 'mesh' }] });
  const ds = find(m, 'DaemonSet', 'continuous-load-node-mesh');
  const injector = find(m, 'DaemonSet', 'continuous-load-injector');

  test('is a DaemonSet with the same pod hardening as the Deployment targets, and the same (no) tolerations as the injector', () => {
    const target = find(m, 'Deployment', 'continuous-load-target');
    const spec = ds.spec.template.spec;
    const tspec = target.spec.template.spec;
    expect(spec.securityContext).toEqual(tspec.securityContext);
    expect(spec.containers[0].securityContext).toEqual(tspec.containers[0].securityContext);
    expect(spec.containers[0].args).toEqual(tspec.containers[0].args);
    expect(spec.containers[0].env).toEqual(tspec.containers[0].env);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.tolerations).toEqual(injector.spec.template.spec.tolerations);
    expect(spec.nodeSelector).toEqual(injector.spec.template.spec.nodeSelector);
    // AND a DaemonSet has no spread constraints (one pod per node) and rolls a node at a time, surging first
    expect(spec.topologySpreadConstraints).toBeUndefined();
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('has a stable selector, distinct from the other targets, and a headless Service that selects only its pods', () => {
    expect(ds.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/part-of': 'continuous-load',
      'app.kubernetes.io/instance': 'continuous-load',
      'app.kubernetes.io/name': 'podinfo',
      'app.kubernetes.io/component': 'node-mesh',
    });
    const headless = find(m, 'Service', 'continuous-load-node-mesh-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(selectorMatches({ matchLabels: headless.spec.selector }, ds.spec.template.metadata.labels)).toBe(true);
    for (const d of all(m, 'Deployment').filter((x) => x.spec.template.metadata.labels['app.kubernetes.io/name'] === 'podinfo')) {
      expect(selectorMatches({ matchLabels: headless.spec.selector }, d.spec.template.metadata.labels)).toBe(false);
    }
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual([PODINFO_PORTS.http, PODINFO_PORTS.grpc]);
  });

  test('the injector knows its node (CL_NODE), and the NetworkPolicies let it reach the per-node pods on the http port only', () => {
    const env = injector.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'CL_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    const from: PodEndpoint = { name: 'injector', namespace: 'continuous-load', labels: injector.spec.template.metadata.labels, ip: '10.244.1.10' };
    const to: PodEndpoint = { name: 'node-mesh', namespace: 'continuous-load', labels: ds.spec.template.metadata.labels, ip: '10.244.2.20' };
    const policies = all(m, 'NetworkPolicy');
    expect(connectionAllowed(policies, from, to, PODINFO_PORTS.http)).toBe(true);
    expect(connectionAllowed(policies, from, to, PODINFO_PORTS.grpc)).toBe(false);
  });

  test('without a node-mesh flow nothing of it is written, and the injector has no CL_NODE', () => {
    const d = synth({ injector: { mode: 'daemonset' } });
    expect(d.some((o) => o.metadata?.name?.startsWith('continuous-load-node-mesh'))).toBe(false);
    expect(find(d, 'DaemonSet', 'continuous-load-injector').spec.template.spec.containers[0].env.map((e: any) => e.name)).not.toContain('CL_NODE');
  });
});
