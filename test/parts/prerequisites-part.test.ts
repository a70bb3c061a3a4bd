import { PrerequisitesPart } from '../../lib/parts/prerequisites-part';
import { model } from '../helpers';
import { renderConstruct } from '../support/construct';

describe('PrerequisitesPart', () => {
  test("demo mode's stack: Prometheus with its RBAC, Grafana and the datasource, all in our namespace", () => {
    const objects = renderConstruct((s) => new PrerequisitesPart(s, 'prereq', { model: model() }));
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(['ServiceAccount', 'Role', 'RoleBinding', 'Prometheus', 'Grafana', 'GrafanaDatasource']));
    for (const o of objects) expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'continuous-load']);
    // AND the Prometheus selects exactly our monitors and rules
    const prom = objects.find((o) => o.kind === 'Prometheus')!;
    expect(prom.spec.ruleSelector).toEqual({ matchLabels: model().monitoring.selectorLabels });
  });
});
