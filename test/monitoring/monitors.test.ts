import { selectorMatches } from '../support/labels';
import { all, find, synth } from '../helpers';

describe('the podinfo ServiceMonitor', () => {
  test('covers the frontend and backend ClusterIP Services but not the headless one (no pod scraped twice)', () => {
    // GIVEN the default config (chain and pod-direct flows) WHEN synthesized
    const manifests = synth();
    const sm = find(manifests, 'ServiceMonitor');
    // THEN it selects both ClusterIP Services and skips the headless one
    const picked = all(manifests, 'Service')
      .filter((s) => selectorMatches(sm.spec.selector, s.metadata.labels))
      .map((s) => s.metadata.name);
    expect(picked).toEqual(['continuous-load-target', 'continuous-load-backend']);
    for (const name of picked) expect(find(manifests, 'Service', name).spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
  });

  test('looks into the namespaces of cross-namespace targets and selects their Service', () => {
    // GIVEN a cross-namespace flow
    const manifests = synth({ flows: [{ type: 'cross-namespace', name: 'remote' }] });
    const sm = find(manifests, 'ServiceMonitor');
    const remote = find(manifests, 'Service', 'continuous-load-remote');
    // THEN the monitor's namespace selector and label selector both reach it
    expect(sm.spec.namespaceSelector.matchNames).toEqual(['continuous-load', 'continuous-load-remote']);
    expect(remote.metadata.namespace).toBe('continuous-load-remote');
    expect(selectorMatches(sm.spec.selector, remote.metadata.labels)).toBe(true);
  });
});
