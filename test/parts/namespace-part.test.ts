import { NamespacePart } from '../../lib/parts/namespace-part';
import { model } from '../helpers';
import { renderConstruct } from '../support/construct';

describe('NamespacePart', () => {
  test('our namespace and each cross-namespace target namespace enforce PSS restricted, NetworkPolicies after them', () => {
    // GIVEN a cross-namespace flow WHEN the part renders
    const objects = renderConstruct((s) => new NamespacePart(s, 'ns', { model: model({ flows: [{ type: 'cross-namespace', name: 'far' }] }) }));
    // THEN both namespaces come first, restricted, and NetworkPolicies follow
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => [n.metadata.name, n.metadata.labels?.['pod-security.kubernetes.io/enforce']])).toEqual([
      ['continuous-load', 'restricted'],
      ['continuous-load-remote', 'restricted'],
    ]);
    expect(objects.slice(0, 2).map((o) => o.kind)).toEqual(['Namespace', 'Namespace']);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(0);
  });

  test('security.networkPolicies: false leaves the NetworkPolicies out', () => {
    const objects = renderConstruct((s) => new NamespacePart(s, 'ns', { model: model({ security: { networkPolicies: false } }) }));
    expect(objects.map((o) => o.kind)).toEqual(['Namespace']);
  });
});
