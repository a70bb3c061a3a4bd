import { FLOW_TYPES } from '../../lib/config/schema';
import { describePath, flowPaths, networkPaths, ownedNamespaces } from '../../lib/model/network';
import { INJECTOR_PORTS } from '../../lib/model/model';
import { model } from '../helpers';
import { EDGE_FLOWS } from '../support/edge-flows';

describe('the network paths of the model', () => {
  test('every flow opens a path from the injector, naming the flow', () => {
    // GIVEN one flow of each type that runs without further settings, and one of each edge type
    const types = FLOW_TYPES.filter((t) => t !== 'custom' && !EDGE_FLOWS.some((e) => e.type === t));
    const plain = types.map((type) => ({ type, name: type })) as NonNullable<Parameters<typeof model>[0]>['flows'] & object;
    const m = model({ flows: [...plain, ...EDGE_FLOWS] });
    expect(m.flows).toHaveLength(FLOW_TYPES.length - 1);
    for (const f of m.flows) {
      // THEN its first path starts at the injector pods and carries the flow's name
      const [first] = flowPaths(m, f);
      expect([f.name, first.from.role, first.flows]).toEqual([f.name, 'injector', [f.name]]);
      expect(describePath(first)).toMatch(new RegExp(`^flow ${f.name}: `));
    }
  });

  test('the namespaces we own are ours and those of cross-namespace targets; Prometheus scrapes the injector', () => {
    const m = model({ flows: [{ type: 'cross-namespace', name: 'far' }] });
    expect(ownedNamespaces(m)).toEqual(['continuous-load', 'continuous-load-remote']);
    const scrape = networkPaths(m).find((p) => p.to.role === 'injector' && p.ports.some((x) => x.port === INJECTOR_PORTS.statsdMetrics));
    expect(scrape?.from.role).toBe('prometheus');
  });
});
