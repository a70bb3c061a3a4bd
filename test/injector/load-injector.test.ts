import { selectorMatches } from '../support/labels';
import { all, find, synth } from '../helpers';

describe('injector modes', () => {
  test('deployment mode (default) runs `replicas` injector pods and no DaemonSet', () => {
    const manifests = synth({ injector: { replicas: 2 } });
    expect(find(manifests, 'Deployment', 'continuous-load-injector').spec.replicas).toBe(2);
    expect(all(manifests, 'DaemonSet')).toEqual([]);
  });

  test('daemonset mode runs the same pod on every node, rolling without a gap, and the PodMonitor still selects it', () => {
    // GIVEN both modes
    const deployment = find(synth(), 'Deployment', 'continuous-load-injector');
    const manifests = synth({ injector: { mode: 'daemonset' } });
    // WHEN per-node mode is synthesized
    const ds = find(manifests, 'DaemonSet', 'continuous-load-injector');
    // THEN there is no injector Deployment; the DaemonSet has the very same pod template
    expect(all(manifests, 'Deployment').map((d) => d.metadata.name)).not.toContain('continuous-load-injector');
    expect(ds.spec.template).toEqual(deployment.spec.template);
    expect(ds.spec.selector).toEqual(deployment.spec.selector);
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    // AND the PodMonitor selects its pods and labels the series with the source node
    const pm = find(manifests, 'PodMonitor');
    expect(selectorMatches(pm.spec.selector, ds.spec.template.metadata.labels)).toBe(true);
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toContainEqual({ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' });
  });
});
